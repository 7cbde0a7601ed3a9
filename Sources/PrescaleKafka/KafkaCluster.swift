import CRdKafka
import Dispatch
import Logging
import PrescaleCore
import Synchronization

/// Everything the process reads from one Kafka cluster (one ``KafkaClientSettings``), through one
/// librdkafka client however many consumer groups and topics are read: its threads (a main thread,
/// one per broker, a background thread) are bounded by brokers, not by groups.
///
/// - Committed offsets: asynchronous Admin requests (``KafkaCommittedFetch``), one per group read.
/// - End offsets: reads that overlap are merged into one `ListOffsets` per partition leader
///   (``endOffsets(of:)``).
/// - Partitions: the cluster's metadata, read at most every 30 s and after a failed read.
final class KafkaCluster: Sendable {
    private struct EndOffsetBatch {
        var waiting:
            [(partitions: [TopicPartition], continuation: CheckedContinuation<Result<[TopicPartition: Int64], KafkaError>, Never>)] = []
        var running = false
    }

    private struct Layout {
        var partitions: [String: [Int32]]?
        var readAt = -Double.infinity

        /// The partitions, if fresh and they list `topic` (or were read at or after `now`: then a topic
        /// they miss does not exist).
        func usable(now: Double, listing topic: String?) -> [String: [Int32]]? {
            guard let partitions, now - self.readAt < KafkaCluster.metadataRefreshSeconds else { return nil }
            if let topic, partitions[topic] == nil, self.readAt < now { return nil }
            return partitions
        }
    }

    let settings: KafkaClientSettings
    private let logger: Logger
    private let handle: Mutex<KafkaHandle>
    private let replacedClients = Atomic<Int>(0)
    /// Checks twenty times per Admin timeout for a request that waited too long.
    /// (Dispatch sources are thread-safe.)
    private nonisolated(unsafe) let watchdog: any DispatchSourceTimer
    private let batch = Mutex(EndOffsetBatch())
    private let layout = Mutex(Layout())
    static let metadataRefreshSeconds = 30.0

    init(settings: KafkaClientSettings, logger: Logger) throws(KafkaError) {
        self.settings = settings
        self.logger = logger
        self.handle = Mutex(try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: settings))
        self.watchdog = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "prescale.kafka.watchdog"))
        let period = DispatchTimeInterval.milliseconds(max(settings.adminRequestTimeoutMilliseconds / 20, 10))
        self.watchdog.schedule(deadline: .now() + period, repeating: period)
        self.watchdog.setEventHandler { [weak self] in self?.replaceIfStuck(now: MonotonicTime.now()) }
        self.watchdog.activate()
    }

    deinit {
        self.watchdog.cancel()
    }

    private var current: KafkaHandle { self.handle.withLock { $0 } }

    /// Destroys the client.
    func close() async {
        self.watchdog.cancel()
        await self.current.close()
    }

    // MARK: Committed offsets

    /// Starts reading `group`'s committed offsets for `partitions`.
    func committedOffsets(group: String, partitions: [TopicPartition], now: Double) throws(KafkaError) -> KafkaCommittedFetch {
        try KafkaCommittedFetch.start(on: self.current, group: group, partitions: partitions, now: now)
    }

    /// Replaces the client when one of its committed-offset requests has waited three quarters of
    /// librdkafka's Admin timeout, so that timeout never fires (see ``KafkaCommittedFetch``). The old
    /// client is destroyed in the background; its requests fail and are sent again on the new one.
    func replaceIfStuck(now: Double) {
        let limit = Double(self.settings.adminRequestTimeoutMilliseconds) * 0.75 / 1000
        let old = self.current
        guard let oldest = KafkaCommittedFetch.oldestInFlight(on: old), now - oldest >= limit else { return }
        let fresh: KafkaHandle
        do {
            fresh = try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: self.settings)
        } catch {
            // The stuck client stays; the next watchdog tick tries again, before the Admin timeout fires.
            self.logger.error(
                "kafka client not replaced: a new client could not be created; retrying at the next check",
                metadata: ["cluster": "\(self.settings.bootstrapServers.joined(separator: ","))", "error": "\(error)"])
            return
        }
        let replaced = self.handle.withLock { handle -> Bool in
            guard handle === old else { return false }
            handle = fresh
            return true
        }
        guard replaced else { return fresh.closeInBackground() }
        self.replacedClients.add(1, ordering: .relaxed)
        self.logger.warning(
            "kafka client replaced: a committed-offsets request waited too long for its group coordinator",
            metadata: ["cluster": "\(self.settings.bootstrapServers.joined(separator: ","))", "waitedSeconds": "\(Int(now - oldest))"]
        )
        old.closeInBackground()
    }

    /// How many times the client was replaced (``replaceIfStuck(now:)``).
    var replacements: Int { self.replacedClients.load(ordering: .relaxed) }

    // MARK: End offsets

    /// The end offsets of `partitions`. Reads that arrive while one is running wait and share the
    /// next one, so a thousand groups on a topic cost one `ListOffsets` per leader, not a thousand.
    func endOffsets(of partitions: [TopicPartition]) async throws(KafkaError) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let result = await withCheckedContinuation { continuation in
            let start = self.batch.withLock { batch -> Bool in
                batch.waiting.append((partitions, continuation))
                defer { batch.running = true }
                return !batch.running
            }
            if start { self.readEndOffsetBatches() }
        }
        return try result.get()
    }

    private func readEndOffsetBatches() {
        let handle = self.current
        handle.async {
            while true {
                // The client was replaced: go on with the new one (this one is destroyed after this block).
                guard self.current === handle else { return self.readEndOffsetBatches() }
                let waiting = self.batch.withLock { batch in
                    defer { batch.waiting = [] }
                    if batch.waiting.isEmpty { batch.running = false }
                    return batch.waiting
                }
                if waiting.isEmpty { return }
                let union = Set(waiting.lazy.flatMap(\.partitions)).sorted()
                let result = Result { () throws(KafkaError) in try handle.endOffsets(of: union) }
                for (partitions, continuation) in waiting {
                    continuation.resume(
                        returning: result.map { all in
                            var offsets: [TopicPartition: Int64] = [:]
                            offsets.reserveCapacity(partitions.count)
                            for partition in partitions { offsets[partition] = all[partition] }
                            return offsets
                        })
                }
            }
        }
    }

    // MARK: Partitions

    /// Every topic's partitions, from metadata at most ``metadataRefreshSeconds`` old that lists
    /// `topic` if it is given: a topic missing from the cached metadata (created since it was read) is
    /// looked up again before it is called unknown.
    func partitions(now: Double, listing topic: String? = nil) async throws(KafkaError) -> [String: [Int32]] {
        if let cached = self.layout.withLock({ $0.usable(now: now, listing: topic) }) { return cached }
        return try await self.current.blocking { handle throws(KafkaError) in
            // Another read may have refreshed it while this one waited for the queue.
            if let cached = self.layout.withLock({ $0.usable(now: now, listing: topic) }) { return cached }
            let partitions = try handle.partitions(of: nil)
            self.layout.withLock { $0 = Layout(partitions: partitions, readAt: now) }
            return partitions
        }
    }

    /// Forgets the metadata read before `now`, after a read that failed for a reason other than an
    /// unreachable cluster (a topic may have moved or been re-created).
    func forgetPartitions(before now: Double) {
        self.layout.withLock { layout in
            if layout.readAt <= now { layout = Layout() }
        }
    }
}
