/// What a demo run measured: the per-second rows and every message's wait.
public struct DemoResult: Sendable {
    /// One row per simulated second.
    public var rows: [DemoRow]
    /// The wait of each consumed message, seconds (FIFO per partition).
    public var waits: [Double]
    /// The capacity of one replica, to know how many replicas each second needed.
    public var messagesPerReplicaPerSecond: Double
    /// The partitions, the most replicas that can consume.
    public var partitions: Int

    /// A quantile of the message waits (nearest rank), 0 when nothing was consumed.
    public func waitQuantile(_ q: Double) -> Double {
        guard !self.waits.isEmpty else { return 0 }
        let sorted = self.waits.sorted()
        let rank = max(1, Int((Double(sorted.count) * q).rounded(.up)))
        return sorted[min(sorted.count, rank) - 1]
    }

    /// The longest run of consecutive seconds with fewer ready replicas than the arrival rate needed:
    /// how long after a burst starts until the replicas it needs are ready.
    public var timeToCapacity: Int {
        var run = 0
        var longest = 0
        for row in self.rows {
            let needed = min(Int((row.arrivalRate / self.messagesPerReplicaPerSecond - 1e-9).rounded(.up)), self.partitions)
            run = row.ready < needed ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}
