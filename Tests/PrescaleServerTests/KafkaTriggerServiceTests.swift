import GRPCCore
import GRPCInProcessTransport
import PrescaleApp
import PrescaleCore
import PrescaleKafka
import PrescaleKafkaMock
import PrescaleMQTT
import PrescaleProtocol
import Testing

@testable import PrescaleServer

@Suite("Kafka triggers through the ExternalScaler service", .serialized)
struct KafkaTriggerServiceTests {
    @Test("GetMetricSpec, GetMetrics and IsActive answer KEDA's values; brokers down is UNAVAILABLE, then recovery")
    func kafkaEndToEnd() async throws {
        let cluster = try KafkaMockCluster(brokers: 2)
        try cluster.createTopic("orders", partitions: 3)
        try await cluster.commit(
            group: "workers",
            offsets: [
                TopicPartition("orders", 0): 0, TopicPartition("orders", 1): 0, TopicPartition("orders", 2): 0,
            ])
        try await cluster.producer().produce(topic: "orders", partition: 0, count: 2)
        let metadata = [
            "scalerAddress": "prescale:6000", "source": "kafka", "bootstrapServers": cluster.bootstrapServers,
            "consumerGroup": "workers", "topic": "orders", "lagThreshold": "1", "activationLagThreshold": "1",
            "sampleIntervalMs": "100",
        ]
        try await withKafkaScaler { scaler in
            let spec = try await scaler.getMetricSpec(scaledObject(metadata))
            #expect(spec.metricSpecs.first?.metricName == "kafka-orders")
            #expect(spec.metricSpecs.first?.targetSizeFloat == 1)
            var request = Externalscaler_GetMetricsRequest()
            request.scaledObjectRef = scaledObject(metadata)
            request.metricName = "kafka-orders"
            #expect(try await pollMetricValue(scaler, request, until: 2) == 2)
            let active = try await scaler.isActive(scaledObject(metadata)).result
            #expect(active)

            cluster.setAllBrokers(up: false)
            let failure = try await pollMetricError(scaler, request, until: .unavailable)
            #expect(failure?.code == .unavailable)
            #expect(failure?.message.hasPrefix("kafka: ") == true || failure?.message.contains("stale") == true)

            cluster.setAllBrokers(up: true)
            #expect(try await pollMetricValue(scaler, request, until: 2) == 2)
        }
    }

    @Test("a topic that does not exist is INVALID_ARGUMENT naming it")
    func unknownTopic() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let metadata = [
            "source": "kafka", "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "topic": "nope",
            "sampleIntervalMs": "100",
        ]
        try await withKafkaScaler { scaler in
            var code: RPCError.Code? = nil
            var message = ""
            for _ in 0..<3_000 where code != .invalidArgument {
                do {
                    _ = try await scaler.isActive(scaledObject(metadata))
                } catch let error as RPCError {
                    code = error.code
                    message = error.message
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(code == .invalidArgument)
            #expect(message.contains("topic \"nope\" does not exist"))
        }
    }
}

/// Runs `body` with a client of an ExternalScaler service whose registry reads Kafka through a running
/// sampler pool.
func withKafkaScaler(
    _ body: @Sendable (Externalscaler_ExternalScaler.Client<InProcessTransport.Client>) async throws -> Void
) async throws {
    let pool = KafkaSamplerPool()
    let mqtt = MQTTConnectionPool()
    let registry = TriggerRegistry(sources: BuiltInSourceFactory(kafka: pool, mqtt: mqtt))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        group.addTask { try await mqtt.run() }
        group.addTask { try await registry.run() }
        defer { group.cancelAll() }
        try await withScaler(registry: registry, body)
    }
}
