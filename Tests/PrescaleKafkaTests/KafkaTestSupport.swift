import PrescaleCore
import PrescaleKafkaMock
import PrescaleTesting
import Synchronization
import Testing

@testable import PrescaleKafka

/// A mock cluster with a sampler pool running; `body` gets both.
func withMockKafka<Result: Sendable>(
    brokers: Int = 3,
    partitionsPerRequest: Int = KafkaClientSettings.defaultPartitionsPerRequest,
    _ body: @Sendable (KafkaMockCluster, KafkaSamplerPool) async throws -> Result
) async throws -> Result {
    let cluster = try KafkaMockCluster(brokers: brokers)
    let pool = KafkaSamplerPool(partitionsPerRequest: partitionsPerRequest)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        defer { group.cancelAll() }
        return try await body(cluster, pool)
    }
}

/// Runs a Kafka trigger's source with `metadata` while `body` runs.
func withKafkaTrigger<Result: Sendable>(
    _ metadata: [String: String],
    pool: KafkaSamplerPool,
    _ body: @Sendable (RecordingSink) async throws -> Result
) async throws -> Result {
    var full = metadata
    full["source"] = "kafka"
    full["sampleIntervalMs"] = full["sampleIntervalMs"] ?? "100"
    let spec = try KafkaTriggerSpec(metadata: MetadataReader(full))
    let source = KafkaSource(spec: spec, pool: pool)
    let sink = RecordingSink()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await source.run(into: sink) }
        defer { group.cancelAll() }
        return try await body(sink)
    }
}

/// Committed offset 0 for every partition of `topic`: a consumer that has read nothing yet.
func committedAtStart(_ topic: String, partitions: Int) -> [TopicPartition: Int64] {
    Dictionary(uniqueKeysWithValues: (0..<partitions).map { (TopicPartition(topic, Int32($0)), Int64(0)) })
}
