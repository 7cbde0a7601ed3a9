import PrescaleCore
import PrescaleKubernetes
import PrescaleProtocol
import PrescaleTesting
import Prometheus
import Synchronization
import Testing

@testable import PrescaleServer

@Suite("Per-trigger metrics for dashboards and alerts")
struct TriggerMetricsTests {
    @Test("every KEDA call about a trigger is counted, the first one included")
    func requestsCounted() async throws {
        let metrics = ScalerMetrics()
        let registry = TriggerRegistry(sources: StaticSources(), observers: metrics)
        try await withScaler(registry: registry, metrics: metrics) { scaler in
            let ref = scaledObject(staticMetadata)
            _ = try await scaler.getMetricSpec(ref)
            _ = try await scaler.isActive(ref)
            var request = Externalscaler_GetMetricsRequest()
            request.scaledObjectRef = ref
            request.metricName = "s0-static"
            _ = try await scaler.getMetrics(request)
        }
        #expect(
            metrics.registry.render().contains(
                #"prescale_trigger_requests_total{namespace="shop",scaledobject="orders",metric="static",source="static"} 3"#
            ))
    }

    @Test("the sample age is NaN before the first sample and grows from the latest sample's time")
    func sampleAge() throws {
        let metrics = ScalerMetrics()
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["a": source]), observers: metrics)
        let trigger = try registry.trigger(namespace: "memory-a", name: "orders", metadata: staticMetadata)
        let line = #"prescale_trigger_sample_age_seconds{namespace="memory-a",scaledobject="orders",metric="static",source="static"}"#
        metrics.updateSampleAges(now: 100)
        #expect(metrics.registry.render().contains("\(line) nan"))
        trigger.publish(MetricSample(time: 90, reactiveValue: 5))
        metrics.updateSampleAges(now: 100)
        #expect(metrics.registry.render().contains("\(line) 10.0"))
        trigger.fail(SourceFailure(.unreachable, "broker down"))
        metrics.updateSampleAges(now: 130)
        #expect(metrics.registry.render().contains("\(line) 40.0"))
    }

    /// Replica counts whose reads can be made to fail, as RBAC or a missing target would.
    final class SwitchableCounts: ReplicaCounts, Sendable {
        let failing = Mutex<String?>(nil)
        func replicas(of key: ScaledObjectKey) -> Int? { self.failing.withLock { $0 } == nil ? 2 : nil }
        func wanted(_ key: ScaledObjectKey) {}
        func problem(of key: ScaledObjectKey) -> String? { self.failing.withLock { $0 } }
    }

    @Test(
        "prescale_trigger_replica_source is 0 without a replica source or while reads fail, 1 while they work; only for predicting triggers"
    )
    func replicaSource() throws {
        let kafka = [
            "source": "kafka", "bootstrapServers": "unused:9092", "consumerGroup": "workers", "topic": "orders", "lagThreshold": "10",
        ]
        let line = #"prescale_trigger_replica_source{namespace="memory-a",scaledobject="orders",metric="kafka-orders",source="kafka"}"#
        let sample = MetricSample(time: 1, reactiveValue: 5, backlog: 5, arrived: 5, consumed: 0)

        let without = ScalerMetrics()
        let none = try TriggerRegistry(sources: TestSourceFactory(memorySources: ["a": InMemorySource()]), observers: without)
            .trigger(namespace: "memory-a", name: "orders", metadata: kafka)
        none.publish(sample)
        #expect(without.registry.render().contains("\(line) 0"))

        let with = ScalerMetrics()
        let counts = SwitchableCounts()
        let registry = TriggerRegistry(
            sources: TestSourceFactory(memorySources: ["a": InMemorySource()]), observers: with, replicaCounts: counts)
        let trigger = try registry.trigger(namespace: "memory-a", name: "orders", metadata: kafka)
        trigger.publish(sample)
        #expect(with.registry.render().contains("\(line) 1"))
        counts.failing.withLock { $0 = "cannot read the ready replicas of memory-a/orders's target: forbidden" }
        trigger.publish(sample)
        #expect(with.registry.render().contains("\(line) 0"))

        // Not a predicting trigger: no such series.
        let reactive = try registry.trigger(namespace: "memory-a", name: "payments", metadata: kafka.merging(["predict": "false"]) { $1 })
        reactive.publish(sample)
        #expect(!with.registry.render().contains(#"prescale_trigger_replica_source{namespace="memory-a",scaledobject="payments""#))
    }
}
