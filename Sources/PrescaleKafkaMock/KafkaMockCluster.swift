import CRdKafka
import PrescaleCore
import PrescaleKafka

/// librdkafka's mock Kafka cluster: real Kafka protocol on loopback, in this process.
///
/// Tests and `prescale demo` use it because no Apache Kafka broker runs here. It supports what lag
/// reading needs (Metadata, OffsetFetch, OffsetCommit, ListOffsets, Produce) but not ListGroups or
/// DescribeGroups.
///
/// ```swift
/// let cluster = try KafkaMockCluster(brokers: 3)
/// try cluster.createTopic("orders", partitions: 3)
/// let producer = try cluster.producer()
/// try producer.produce(topic: "orders", partition: 0, count: 5)
/// ```
public final class KafkaMockCluster: @unchecked Sendable {
    private let owner: KafkaHandle
    private let cluster: OpaquePointer
    /// The brokers' `host:port` list, usable as `bootstrapServers`.
    public let bootstrapServers: String
    /// How many brokers the cluster has (ids 1...brokers).
    public let brokerCount: Int

    /// Starts a cluster of `brokers` brokers on loopback.
    public init(brokers: Int = 3) throws(KafkaError) {
        self.owner = try KafkaHandle(type: RD_KAFKA_PRODUCER, settings: KafkaClientSettings(bootstrapServers: []))
        guard let cluster = rd_kafka_mock_cluster_new(self.owner.pointer, Int32(brokers)) else {
            throw KafkaError(.configuration, "cannot start a mock Kafka cluster")
        }
        self.cluster = cluster
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(self.cluster)
    }

    /// Client settings that reach this cluster.
    public var settings: KafkaClientSettings {
        KafkaClientSettings(bootstrapServers: self.bootstrapServers.split(separator: ",").map(String.init))
    }

    /// Creates `topic` with `partitions` partitions (replication factor 1, leaders spread over brokers).
    public func createTopic(_ topic: String, partitions: Int) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(self.cluster, topic, Int32(partitions), 1)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, while: "creating mock topic \(topic)") }
    }

    /// Makes every broker unresponsive (`up: false`) or responsive again.
    ///
    /// An unresponsive broker answers nothing within a request timeout (its round trip is set to 5 s,
    /// above Prescale's 3 s), so every read times out, as with brokers that are down or partitioned
    /// away. `rd_kafka_mock_broker_set_down` is not used: on librdkafka 2.0.2 it closes and re-binds
    /// the broker's listening port, and aborts the whole process (`Failed to re-create mock broker
    /// listener`) if another socket took that port in between, which happened in CI with many tests
    /// running in parallel. Answers queued while unresponsive still arrive late, so recovery can take
    /// up to 5 s after `up: true`.
    public func setAllBrokers(up: Bool) {
        for id in 1...Int32(self.brokerCount) {
            self.setRoundTripDelay(id, milliseconds: up ? 0 : 5_000)
        }
    }

    /// Delays every answer of broker `id` by `milliseconds` (a slow broker).
    public func setRoundTripDelay(_ id: Int32, milliseconds: Int32) {
        _ = rd_kafka_mock_broker_set_rtt(self.cluster, id, milliseconds)
    }

    /// A producer connected to this cluster.
    public func producer() throws(KafkaError) -> KafkaTestProducer {
        try KafkaTestProducer(settings: self.settings)
    }

    /// A committer for `group` that keeps its connection for repeated commits.
    public func committer(group: String) throws(KafkaError) -> KafkaOffsetCommitter {
        try KafkaOffsetCommitter(settings: self.settings, group: group)
    }

    /// Commits offsets for `group` without joining it, as a consumer that processed up to them would.
    public func commit(group: String, offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        let committer = try KafkaOffsetCommitter(settings: self.settings, group: group)
        try await committer.commit(offsets)
        await committer.close()
    }
}
