/// Tracks how long each partition's committed offset has stood still, to find persistent lag.
///
/// KEDA compares offsets from one poll to the next (30 s apart by default). Prescale samples every
/// second, and comparing consecutive samples would flag a healthy consumer that commits every few
/// seconds; so a partition is persistent only when its committed offset has not moved for a whole
/// window (`persistentLagWindowSeconds`) while it has lag.
public struct PersistentLagTracker: Sendable {
    private struct Entry: Sendable {
        var offset: Int64
        var since: Double
    }

    /// The window in seconds.
    public var window: Double
    private var entries: [TopicPartition: Entry] = [:]

    /// Creates a tracker with a window in seconds.
    public init(window: Double) {
        self.window = window
    }

    /// Folds in a read at time `now` (seconds) and returns the partitions with persistent lag.
    public mutating func update(_ offsets: KafkaOffsets, now: Double) -> Set<TopicPartition> {
        var persistent: Set<TopicPartition> = []
        var seen: [TopicPartition: Entry] = [:]
        seen.reserveCapacity(offsets.committed.count)
        for (partition, committed) in offsets.committed {
            var entry = self.entries[partition] ?? Entry(offset: committed, since: now)
            if entry.offset != committed { entry = Entry(offset: committed, since: now) }
            seen[partition] = entry
            let lag = (offsets.end[partition] ?? committed) - committed
            if committed >= 0, lag > 0, now - entry.since >= self.window {
                persistent.insert(partition)
            }
        }
        self.entries = seen
        return persistent
    }
}
