import CRdKafka
import PrescaleCore
import Synchronization

/// Reads one consumer group's offsets for one topic (or every topic it has committed), through the
/// cluster's shared client (``KafkaCluster``): it never subscribes, joins the group or opens a
/// connection of its own.
final class KafkaLagReader: Sendable {
    let cluster: KafkaCluster
    let group: String
    let topic: String?
    /// The committed-offsets request of a read that gave up waiting; the next read waits for it
    /// rather than sending another.
    private let inFlight = Mutex<KafkaCommittedFetch?>(nil)

    init(cluster: KafkaCluster, group: String, topic: String?) {
        self.cluster = cluster
        self.group = group
        self.topic = topic
    }

    /// One read: committed and end offsets of every partition considered.
    func read(now: Double) async throws(KafkaError) -> KafkaOffsets {
        do {
            return try await self.readOnce(now: now)
        } catch {
            // A topic may have moved or been re-created; an unreachable cluster changes nothing.
            if error.code != .unreachable { self.cluster.forgetPartitions(before: now) }
            throw error
        }
    }

    private func readOnce(now: Double) async throws(KafkaError) -> KafkaOffsets {
        let layout = try await self.cluster.partitions(now: now, listing: self.topic)
        if let topic = self.topic {
            guard let ids = layout[topic], !ids.isEmpty else {
                throw KafkaError(
                    .unknownTopic,
                    "topic \"\(topic)\" does not exist on \(self.cluster.settings.bootstrapServers.joined(separator: ","))"
                )
            }
            let partitions = ids.map { TopicPartition(topic, $0) }
            let fetch = try self.committedFetch(partitions, now: now)
            async let end = self.endOffsets(of: partitions)
            let committed = try await self.committed(fetch)
            return KafkaOffsets(committed: committed, end: try await end.get())
        }
        // No topic: every topic the group has committed offsets for, with all of their partitions.
        // The group's offsets are fetched for every partition of the cluster: asking with no partition
        // list is not answered by every broker (librdkafka's mock cluster among them).
        let every = layout.filter { !$0.key.hasPrefix("__") }.flatMap { topic, ids in ids.map { TopicPartition(topic, $0) } }.sorted()
        let everyCommitted = try await self.committed(try self.committedFetch(every, now: now))
        let topics = Set(everyCommitted.filter { $0.value >= 0 }.keys.map(\.topic))
        let committed = everyCommitted.filter { topics.contains($0.key.topic) }
        let end = try await self.cluster.endOffsets(of: committed.keys.sorted())
        return KafkaOffsets(committed: committed, end: end)
    }

    private func endOffsets(of partitions: [TopicPartition]) async -> Result<[TopicPartition: Int64], KafkaError> {
        do throws(KafkaError) {
            return .success(try await self.cluster.endOffsets(of: partitions))
        } catch {
            return .failure(error)
        }
    }

    /// The request still in flight from an earlier read, or a new one.
    private func committedFetch(_ partitions: [TopicPartition], now: Double) throws(KafkaError) -> KafkaCommittedFetch {
        if let pending = self.inFlight.withLock({ $0 }) { return pending }
        let fetch = try self.cluster.committedOffsets(group: self.group, partitions: partitions, now: now)
        self.inFlight.withLock { $0 = fetch }
        return fetch
    }

    private func committed(_ fetch: KafkaCommittedFetch) async throws(KafkaError) -> [TopicPartition: Int64] {
        let timeout = Duration.milliseconds(self.cluster.settings.requestTimeoutMilliseconds)
        guard let result = await fetch.result(within: timeout) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, while: "reading committed offsets of group \"\(self.group)\"")
        }
        self.inFlight.withLock { if $0 === fetch { $0 = nil } }
        return try result.get()
    }
}
