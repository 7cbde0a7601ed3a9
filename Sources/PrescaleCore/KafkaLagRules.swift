/// KEDA's Kafka lag rules, applied to one read of offsets. Pure and deterministic: the same offsets,
/// spec and persistence state always give the same result.
public struct KafkaLagRules: Sendable {
    /// The trigger's settings.
    public var spec: KafkaTriggerSpec

    /// Creates the rules for a trigger.
    public init(spec: KafkaTriggerSpec) {
        self.spec = spec
    }

    /// What one read amounts to.
    public struct Result: Sendable, Hashable {
        /// The value KEDA's `kafka` scaler would report (after caps and even distribution).
        public var value: Int64
        /// Total lag including persistent lag: the activity value.
        public var totalLagWithPersistent: Int64
        /// Total lag as counted for the metric, before caps.
        public var totalLag: Int64
        /// Partitions considered.
        public var partitionCount: Int64
        /// Partitions with lag > 0 (persistent lag excluded).
        public var partitionsWithLag: Int64
        /// The partition cap (partitions, or partitions with lag, × `lagThreshold`), when one applies:
        /// a predicted value never goes above it.
        public var cap: Int64? = nil
    }

    /// Applies the rules to `offsets`. `persistent` names the partitions whose committed offset has
    /// stood still for the whole persistence window; it is ignored unless `excludePersistentLag` is set.
    public func evaluate(_ offsets: KafkaOffsets, persistent: Set<TopicPartition> = []) -> Result {
        var totalLag: Int64 = 0
        var totalWithPersistent: Int64 = 0
        var withLag: Int64 = 0
        for (partition, committed) in offsets.committed {
            let (lag, lagWithPersistent) = self.partitionLag(
                committed: committed,
                end: offsets.end[partition],
                isPersistent: self.spec.excludePersistentLag && persistent.contains(partition)
            )
            totalLag = totalLag.addingSaturating(lag)
            totalWithPersistent = totalWithPersistent.addingSaturating(lagWithPersistent)
            if lag > 0 { withLag += 1 }
        }
        let partitions = Int64(offsets.committed.count)
        var value = totalLag
        let threshold = self.spec.lagThreshold
        var cap: Int64?
        if !self.spec.allowIdleConsumers || self.spec.limitToPartitionsWithLag {
            let upperBound = self.spec.limitToPartitionsWithLag ? withLag : partitions
            cap = upperBound.multipliedReportingOverflow(by: threshold).overflow ? Int64.max : upperBound * threshold
            // Integer division, as KEDA: 5 partitions, threshold 10, lag 59 -> 59 / 10 = 5, not capped.
            if value / threshold > upperBound {
                value = upperBound * threshold
            }
        }
        if self.spec.ensureEvenDistributionOfPartitions {
            value = Self.evenlyDistributed(lag: value, threshold: threshold, partitions: partitions)
        }
        return Result(
            value: value,
            totalLagWithPersistent: totalWithPersistent,
            totalLag: totalLag,
            partitionCount: partitions,
            partitionsWithLag: withLag,
            cap: cap
        )
    }

    /// The lag of one partition for the metric and for activation.
    func partitionLag(committed: Int64, end: Int64?, isPersistent: Bool) -> (Int64, Int64) {
        if committed == KafkaOffsets.invalidOffset || committed < 0 {
            switch self.spec.offsetResetPolicy {
            case .latest:
                let lag: Int64 = self.spec.scaleToZeroOnInvalidOffset ? 0 : 1
                return (lag, lag)
            case .earliest:
                let lag = self.spec.scaleToZeroOnInvalidOffset ? 0 : max(end ?? 0, 0)
                return (lag, lag)
            }
        }
        guard let end else { return (0, 0) }
        let lag = max(end - committed, 0)
        return isPersistent ? (0, lag) : (lag, lag)
    }

    /// `f × threshold`, where `f` is the smallest factor of `partitions` with `f × threshold >= lag`,
    /// or `partitions × threshold` when there is none. 100 partitions, threshold 10: lag 10 -> 10,
    /// 40 -> 40, 99 -> 100, 101 -> 200.
    static func evenlyDistributed(lag: Int64, threshold: Int64, partitions: Int64) -> Int64 {
        guard partitions > 0, lag > 0 else { return 0 }
        var factor: Int64 = 1
        while factor <= partitions {
            if partitions % factor == 0 && factor * threshold >= lag { return factor * threshold }
            factor += 1
        }
        return partitions * threshold
    }
}

extension Int64 {
    fileprivate func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = self.addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
