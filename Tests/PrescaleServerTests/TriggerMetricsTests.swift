import PrescaleCore
import PrescaleProtocol
import PrescaleTesting
import Prometheus
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
}
