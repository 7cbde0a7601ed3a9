/// Time to capacity: the longest run of consecutive seconds in which fewer replicas were ready than the
/// second's arrivals needed, `ceil(demand / capacity per replica)` (at most the replicas that can
/// consume). How long, after a burst starts, until the replicas it needs are ready. The simulator and
/// the demo both measure it here.
public struct CapacityShortfall: Sendable {
    private var run = 0
    /// The longest run so far, in seconds.
    public private(set) var longest = 0

    /// An empty measurement.
    public init() {}

    /// The replicas a second's `demand` needs at `perReplica` each, at most `maximum`.
    public static func needed(demand: Double, perReplica: Double, maximum: Int) -> Int {
        min(Int((demand / perReplica - 1e-9).rounded(.up)), maximum)
    }

    /// Folds in one second: `ready` replicas could consume, `needed` were needed.
    public mutating func observe(ready: Int, needed: Int) {
        self.run = ready < needed ? self.run + 1 : 0
        self.longest = max(self.longest, self.run)
    }
}
