/// A topic and partition.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    /// Creates a topic-partition.
    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }

    public var description: String { "\(self.topic)[\(self.partition)]" }
}

/// One read of a consumer group's offsets: what the lag rules consume.
public struct KafkaOffsets: Sendable, Hashable {
    /// The committed offset of every partition considered (`-1` when the group has none yet).
    public var committed: [TopicPartition: Int64]
    /// The end offset (high watermark) of each partition; a partition missing here counts lag 0.
    public var end: [TopicPartition: Int64]

    /// The sentinel Kafka uses for "no committed offset".
    public static let invalidOffset: Int64 = -1

    /// Creates a read.
    public init(committed: [TopicPartition: Int64], end: [TopicPartition: Int64]) {
        self.committed = committed
        self.end = end
    }
}

/// How Kafka offset reads are split.
public enum KafkaReadChunk {
    /// The most partitions one committed-offsets or end-offsets call asks about, by default: librdkafka
    /// 2.0.2 matches an answer's partitions against its request linearly, so one call costs
    /// O(partitions²) (10,000 partitions: 67–75 ms a read in calls of 1,000, 515 ms in one call).
    /// The server's `--kafka-partitions-per-request` default.
    public static let defaultPartitions = 1_000
}
