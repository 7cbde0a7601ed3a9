import Foundation
import Logging
import PrescaleCore
import PrescaleKubernetes
import PrescaleTesting
import Testing

@testable import PrescaleServer

/// A predicting trigger learns one replica's capacity from the target's ready replicas, read from the
/// Deployment's `status.readyReplicas` on a fake API server over HTTPS by the ReplicaWatcher.
@Suite("Learned capacity from the target's ready replicas")
struct ReplicaCapacityTests {
    static let metadata: [String: String] = [
        "scalerAddress": "prescale:6000", "source": "kafka", "bootstrapServers": "unused:9092", "consumerGroup": "workers",
        "topic": "orders", "lagThreshold": "1000",
    ]

    @Test(
        "saturated samples with 4 ready replicas of 6 teach 10 messages per replica; the plan sizes by it; a forbidden read is reported and recovers"
    )
    func learnsFromReadyReplicas() async throws {
        let api = try await FakeKubernetesAPI()
        try await api.start()
        defer { Task { await api.stop() } }
        // Six replicas asked for, four ready: the two still starting consume nothing.
        api.addScaledObject(namespace: "memory-lag", name: "orders", target: "orders-consumer", replicas: 6)
        api.setReady(4, namespace: "memory-lag", target: "orders-consumer")
        let client = try fakeAPIClient(api)
        defer { Task { await client.shutdown() } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let watcher = ReplicaWatcher(configuration: .init(interval: .milliseconds(50)), api: client, logger: logger)
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["lag": source]), replicaCounts: watcher)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            defer { group.cancelAll() }
            try await withRunningRegistry(registry) {
                let trigger = try registry.trigger(namespace: "memory-lag", name: "orders", metadata: Self.metadata)
                try await eventually("source attached") { source.attachedCount == 1 }
                // No read before a backlog: nothing is worth learning from an idle target.
                #expect(watcher.replicas(of: ScaledObjectKey(namespace: "memory-lag", name: "orders")) == nil)
                var arrived = 1_000.0
                var consumed = 0.0
                source.push(MetricSample(time: 0, reactiveValue: 1_000, backlog: 1_000, arrived: arrived, consumed: consumed))
                try await eventually("ready replicas read") {
                    watcher.replicas(of: ScaledObjectKey(namespace: "memory-lag", name: "orders")) == 4
                }
                // 60 s of 60/s arriving against 4 replicas consuming 10/s each.
                for second in 1...60 {
                    arrived += 60
                    consumed += 40
                    source.push(
                        MetricSample(
                            time: Double(second), reactiveValue: arrived - consumed, backlog: arrived - consumed, arrived: arrived,
                            consumed: consumed))
                }
                let decision = try trigger.currentDecision(at: 60)
                let prediction = try #require(decision.prediction)
                let capacity = try #require(prediction.capacity)
                #expect(abs(capacity - 10) < 1e-9)
                #expect(prediction.capacityConfidence > 0)
                // (60/s + backlog at the lead / 30 s) / 10 per replica, well above KEDA's lag / 1000.
                let planned = try #require(prediction.plannedReplicas)
                #expect(planned >= 6)
                #expect(decision.desiredReplicas >= planned)
                #expect(decision.desiredReplicas > PlannerDecision.replicas(value: decision.reactiveValue, target: 1_000))
                // A target that cannot be read is forgotten rather than trusted, and says why.
                let key = ScaledObjectKey(namespace: "memory-lag", name: "orders")
                #expect(watcher.problem(of: key) == nil)
                // No HPA behaviour in the ScaledObject: Kubernetes' default scale-down window.
                #expect(watcher.scaleDownWindow(of: key) == 300)
                api.forbid(verb: "get", resource: "deployments.apps")
                try await eventually("count forgotten") { watcher.replicas(of: key) == nil }
                #expect(watcher.problem(of: key)?.contains("forbidden") == true)
                api.permit(verb: "get", resource: "deployments.apps")
                try await eventually("read again") { watcher.replicas(of: key) == 4 && watcher.problem(of: key) == nil }
            }
        }
    }

    @Test(
        "the HPA scale-down window and the cooldown of each ScaledObject are read with its target (the shipped one has no window and a minute)"
    )
    func scaleDownWindow() async throws {
        let api = try await FakeKubernetesAPI()
        try await api.start()
        defer { Task { await api.stop() } }
        api.addScaledObject(namespace: "shop", name: "shipped", target: "a", scaleDownWindow: 0, cooldown: 60)
        api.addScaledObject(namespace: "shop", name: "old", target: "b", scaleDownWindow: 60)
        let client = try fakeAPIClient(api)
        defer { Task { await client.shutdown() } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let watcher = ReplicaWatcher(configuration: .init(interval: .milliseconds(50)), api: client, logger: logger)
        let (shipped, old) = (ScaledObjectKey(namespace: "shop", name: "shipped"), ScaledObjectKey(namespace: "shop", name: "old"))
        #expect(watcher.scaleDownWindow(of: shipped) == nil)
        watcher.wanted(shipped)
        watcher.wanted(old)
        await watcher.refresh()
        #expect(watcher.scaleDownWindow(of: shipped) == 0)
        #expect(watcher.scaleDownWindow(of: old) == 60)
        #expect(watcher.cooldown(of: shipped) == 60)
        #expect(watcher.cooldown(of: old) == 300)  // KEDA's default: none set
    }

    @Test("without a replica count or a prior, a predicting trigger reports KEDA's value")
    func noCountNoGuess() async throws {
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["lag": source]))
        try await withRunningRegistry(registry) {
            let trigger = try registry.trigger(namespace: "memory-lag", name: "orders", metadata: Self.metadata)
            try await eventually("source attached") { source.attachedCount == 1 }
            var arrived = 0.0
            var consumed = 0.0
            for second in 0...60 {
                arrived += 60
                consumed += 40
                source.push(
                    MetricSample(
                        time: Double(second), reactiveValue: arrived - consumed, backlog: arrived - consumed, arrived: arrived,
                        consumed: consumed))
            }
            let decision = try trigger.currentDecision(at: 60)
            #expect(decision.value == decision.reactiveValue)
            #expect(decision.prediction?.capacity == nil)
        }
    }
}

@Suite("Actuation identity")
struct ActuationIdentityTests {
    @Test("a trigger's actuation ID is the same in every process: metric name and a stable hash of its metadata")
    func stable() {
        let id = Trigger.actuationID(metricName: "kafka-orders", metadata: ["topic": "orders", "source": "kafka"])
        #expect(id == "kafka-orders#6f385901783a2716")
        #expect(Trigger.actuationID(metricName: "kafka-orders", metadata: ["topic": "orders", "source": "mqtt"]) != id)
    }
}
