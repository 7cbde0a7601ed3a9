import CRdKafka
import PrescaleCore
import PrescaleKafka

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
