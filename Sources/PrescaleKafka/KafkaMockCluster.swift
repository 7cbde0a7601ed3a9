import CRdKafka
import PrescaleCore

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

    /// Commits offsets for `group` without joining it, as a consumer that processed up to them would.
    public func commit(group: String, offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        let committer = try KafkaOffsetCommitter(settings: self.settings, group: group)
        try await committer.commit(offsets)
        await committer.close()
    }
}

/// Commits offsets for one group without joining it; keeps its connection for repeated commits.
public final class KafkaOffsetCommitter: Sendable {
    private let handle: KafkaHandle
    /// The group committed for.
    public let group: String

    /// Creates a committer for `group`.
    public init(settings: KafkaClientSettings, group: String) throws(KafkaError) {
        self.handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: settings, extra: ["group.id": group])
        self.group = group
    }

    /// Commits `offsets` synchronously (on the client's own queue).
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        let group = self.group
        try await self.handle.blocking { handle throws(KafkaError) in
            let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (partition, offset) in offsets {
                rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!.pointee.offset = offset
            }
            let err = rd_kafka_commit(handle.pointer, list, 0)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, while: "committing offsets for group \(group)")
            }
        }
    }

    /// Closes the client.
    public func close() async {
        await self.handle.close()
    }
}

/// Produces small messages to a cluster, for tests, benchmarks and the demo's load generator.
public final class KafkaTestProducer: @unchecked Sendable {
    private let handle: KafkaHandle
    private var topics: [String: OpaquePointer] = [:]

    init(settings: KafkaClientSettings) throws(KafkaError) {
        self.handle = try KafkaHandle(
            type: RD_KAFKA_PRODUCER,
            settings: settings,
            extra: ["linger.ms": "5", "queue.buffering.max.messages": "1000000"]
        )
    }

    deinit {
        for topic in self.topics.values { rd_kafka_topic_destroy(topic) }
    }

    /// Queues `count` messages to `topic`'s `partition` and waits until they are delivered.
    public func produce(topic: String, partition: Int32, count: Int, flushTimeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        try self.enqueue(topic: topic, partition: partition, count: count)
        try self.flush(timeoutMilliseconds: flushTimeoutMilliseconds)
    }

    /// Queues `count` messages without waiting for delivery.
    public func enqueue(topic: String, partition: Int32, count: Int) throws(KafkaError) {
        let topicHandle: OpaquePointer
        if let existing = self.topics[topic] {
            topicHandle = existing
        } else {
            guard let created = rd_kafka_topic_new(self.handle.pointer, topic, nil) else {
                throw KafkaError(.configuration, "cannot create a handle for topic \(topic)")
            }
            self.topics[topic] = created
            topicHandle = created
        }
        var payload: [UInt8] = Array("prescale".utf8)
        for _ in 0..<count {
            while rd_kafka_produce(topicHandle, partition, RD_KAFKA_MSG_F_COPY, &payload, payload.count, nil, 0, nil) != 0 {
                // The local queue is full: serve delivery reports, then retry.
                rd_kafka_poll(self.handle.pointer, 10)
            }
        }
        rd_kafka_poll(self.handle.pointer, 0)
    }

    /// Waits until every queued message is delivered.
    public func flush(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        let err = rd_kafka_flush(self.handle.pointer, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, while: "flushing produced messages") }
    }
}
