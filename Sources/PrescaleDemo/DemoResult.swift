import PrescaleSimulator

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

    /// A quantile of the message waits, as the simulator computes it (``WaitHistogram``): 0 when nothing
    /// was consumed.
    public func waitQuantile(_ q: Double) -> Double {
        var histogram = WaitHistogram(maximumSeconds: (self.waits.max() ?? 0) + 1)
        for wait in self.waits { histogram.record(wait: wait, count: 1) }
        return histogram.quantile(q)
    }

    /// Time to capacity, as the simulator measures it (``CapacityShortfall``).
    public var timeToCapacity: Int {
        var shortfall = CapacityShortfall()
        for row in self.rows {
            let needed = CapacityShortfall.needed(
                demand: row.arrivalRate, perReplica: self.messagesPerReplicaPerSecond, maximum: self.partitions)
            shortfall.observe(ready: row.ready, needed: needed)
        }
        return shortfall.longest
    }
}
