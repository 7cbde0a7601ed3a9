import CRdKafka
import PrescaleCore

/// Reads one consumer group's offsets for one topic (or every topic it has committed).
///
/// Metadata and end offsets go through the cluster's shared ``KafkaHandle``; committed offsets through
/// a small handle of the reader's own that carries the `group.id` (it never subscribes or joins the
/// group). Partition lists come from metadata, refreshed every 30 s or after an error.
final class KafkaLagReader: @unchecked Sendable {
    private let handle: KafkaHandle
    let groupHandle: KafkaHandle
    let group: String
    let topic: String?
    // Touched only on the group handle's serial queue.
    private var cachedPartitions: [TopicPartition]?
    private var cachedAt: Double = -.infinity
    private static let metadataRefreshSeconds = 30.0

    init(handle: KafkaHandle, group: String, topic: String?) throws(KafkaError) {
        self.handle = handle
        self.groupHandle = try KafkaHandle(
            type: RD_KAFKA_CONSUMER,
            settings: handle.settings,
            extra: ["group.id": group, "enable.auto.commit": "false", "enable.auto.offset.store": "false"]
        )
        self.group = group
        self.topic = topic
    }

    /// One read: committed and end offsets of every partition considered.
    func read(now: Double) async throws(KafkaError) -> KafkaOffsets {
        let handle = self.handle
        return try await self.groupHandle.blocking { groupHandle throws(KafkaError) in
            do throws(KafkaError) {
                return try self.readBlocking(handle, groupHandle: groupHandle, now: now)
            } catch {
                self.cachedPartitions = nil
                throw error
            }
        }
    }

    private func readBlocking(_ handle: KafkaHandle, groupHandle: KafkaHandle, now: Double) throws(KafkaError) -> KafkaOffsets {
        if let topic = self.topic {
            let partitions = try self.topicPartitions(handle, topic: topic, now: now)
            let committed = try groupHandle.committedOffsets(group: self.group, partitions: partitions)
            let end = try handle.endOffsets(of: partitions)
            return KafkaOffsets(committed: committed, end: end)
        }
        // No topic: every topic the group has committed offsets for, with all of their partitions.
        // The group's offsets are fetched for every partition of the cluster in one OffsetFetch: asking
        // with no partition list is not answered by every broker (librdkafka's mock cluster among them).
        let layout = try self.clusterPartitions(handle, now: now)
        let everyCommitted = try groupHandle.committedOffsets(group: self.group, partitions: layout)
        let topics = Set(everyCommitted.filter { $0.value >= 0 }.keys.map(\.topic))
        let committed = everyCommitted.filter { topics.contains($0.key.topic) }
        let end = try handle.endOffsets(of: committed.keys.sorted())
        return KafkaOffsets(committed: committed, end: end)
    }

    private func clusterPartitions(_ handle: KafkaHandle, now: Double) throws(KafkaError) -> [TopicPartition] {
        if let cached = self.cachedPartitions, now - self.cachedAt < Self.metadataRefreshSeconds { return cached }
        let layout = try handle.partitions(of: nil)
        let list = layout.filter { !$0.key.hasPrefix("__") }.flatMap { topic, partitions in
            partitions.map { TopicPartition(topic, $0) }
        }.sorted()
        self.cachedPartitions = list
        self.cachedAt = now
        return list
    }

    private func topicPartitions(_ handle: KafkaHandle, topic: String, now: Double) throws(KafkaError) -> [TopicPartition] {
        if let cached = self.cachedPartitions, now - self.cachedAt < Self.metadataRefreshSeconds { return cached }
        guard let partitions = try handle.partitions(of: [topic])[topic], !partitions.isEmpty else {
            throw KafkaError(
                .unknownTopic,
                "topic \"\(topic)\" does not exist on \(handle.settings.bootstrapServers.joined(separator: ","))"
            )
        }
        let list = partitions.map { TopicPartition(topic, $0) }
        self.cachedPartitions = list
        self.cachedAt = now
        return list
    }
}
