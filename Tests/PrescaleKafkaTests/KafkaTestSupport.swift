import PrescaleCore
@testable import PrescaleKafka
import Synchronization
import Testing

/// Records what a source publishes.
final class RecordingSink: SampleSink {
    enum Event: Sendable {
        case sample(MetricSample)
        case failure(SourceFailure)
    }

    private let events = Mutex<[Event]>([])

    func publish(_ sample: MetricSample) { self.events.withLock { $0.append(.sample(sample)) } }
    func fail(_ failure: SourceFailure) { self.events.withLock { $0.append(.failure(failure)) } }

    var latest: Event? { self.events.withLock { $0.last } }
    var latestSample: MetricSample? {
        if case .sample(let sample) = self.latest { return sample }
        return nil
    }
    var latestFailure: SourceFailure? {
        if case .failure(let failure) = self.latest { return failure }
        return nil
    }
}

/// Polls until `condition` holds; records an issue (with what the sink saw last) after a generous
/// bound instead of hanging.
func eventually(_ what: String, sink: RecordingSink? = nil, _ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<3_000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("not reached within 30 s: \(what); last event: \(String(describing: sink?.latest))")
}

/// A mock cluster with a sampler pool running; `body` gets both.
func withMockKafka<Result: Sendable>(
    brokers: Int = 3,
    _ body: @Sendable (KafkaMockCluster, KafkaSamplerPool) async throws -> Result
) async throws -> Result {
    let cluster = try KafkaMockCluster(brokers: brokers)
    let pool = KafkaSamplerPool()
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
