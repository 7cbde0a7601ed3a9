import Foundation
import GRPCCore
import Logging
import PrescaleCore
import PrescaleKubernetes
import PrescaleProtocol
import PrescaleTesting
import Prometheus
import Testing

@testable import PrescaleServer

/// Direct actuation through the whole server path: gRPC service, registry, trigger, planner, actuator,
/// the real Kubernetes client and the fake API server over HTTPS.
@Suite("Direct actuation through the ExternalScaler service")
struct ActuationServiceTests {
    static let metadata: [String: String] = [
        "scalerAddress": "prescale:6000", "source": "kafka", "bootstrapServers": "unused:9092", "consumerGroup": "workers",
        "topic": "orders", "lagThreshold": "50", "actuate": "true", "predict": "false",
    ]

    @Test("each new sample reaches the target's scale at once, without a KEDA poll; metrics count the patch")
    func sampleToPatch() async throws {
        let api = try await FakeKubernetesAPI()
        try await api.start()
        defer { Task { await api.stop() } }
        api.addScaledObject(namespace: "memory-lag", name: "orders", target: "orders-consumer", replicas: 1)
        let client = try fakeAPIClient(api)
        defer { Task { await client.shutdown() } }
        let metrics = ScalerMetrics()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let actuator = Actuator(configuration: .init(replicaCacheTime: .zero), api: client, observer: metrics, logger: logger)
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["lag": source]), observers: metrics, actuator: actuator)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await actuator.run() }
            defer { group.cancelAll() }
            try await withRunningRegistry(registry) {
                try await withScaler(registry: registry, metrics: metrics) { scaler in
                    // KEDA asks once, which creates the trigger; from then on only samples drive actuation.
                    _ = try await scaler.getMetricSpec(scaledObject(Self.metadata, namespace: "memory-lag"))
                    try await eventually("source attached") { source.attachedCount == 1 }
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 480))
                    try await eventually("patched to ceil(480 / 50)") {
                        api.replicas(namespace: "memory-lag", target: "orders-consumer") == 10
                    }
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 100))
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 720))
                    try await eventually("patched to 15") { api.replicas(namespace: "memory-lag", target: "orders-consumer") == 15 }
                    #expect(api.requests.filter { $0.method == "PATCH" }.count == 2)
                    // The fake server stores the patch before its answer reaches the actuator.
                    try await eventually("the second patch counted") {
                        metrics.registry.render().contains(
                            #"prescale_actuation_patches_total{namespace="memory-lag",scaledobject="orders"} 2"#)
                    }
                    let scrape = metrics.registry.render()
                    #expect(scrape.contains(#"prescale_actuation_desired_replicas{namespace="memory-lag",scaledobject="orders"} 15"#))
                    #expect(scrape.contains("prescale_actuation_decision_to_patch_seconds_count 2"))
                }
            }
        }
    }

    @Test("actuate: \"true\" on a server without actuation is INVALID_ARGUMENT naming the key and the flag")
    func refusedWhenDisabled() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        try await withScaler(registry: registry) { scaler in
            let error = await #expect(throws: RPCError.self) {
                _ = try await scaler.getMetricSpec(scaledObject(Self.metadata))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains(#"metadata key "actuate""#) == true)
            #expect(error?.message.contains("--actuation enabled") == true)
        }
    }

    @Test("a typo of actuate is refused, not ignored")
    func typo() throws {
        var metadata = Self.metadata
        metadata.removeValue(forKey: "actuate")
        metadata["actuat"] = "true"
        #expect(throws: MetadataError.self) { try TriggerSpec(metadata: metadata) }
    }
}

extension PrometheusCollectorRegistry {
    func render() -> String {
        var buffer: [UInt8] = []
        self.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
