/// Learns how many messages one ready replica consumes per second, from what a source already sees.
///
/// Consumption only measures capacity while the consumers are saturated: when there is a backlog at
/// both ends of an interval, every replica is busy, so progress / replicas is the per-replica service
/// rate. Idle periods say only that capacity was at least the arrival rate, and are ignored.
///
/// Saturated time with an unchanged replica count is gathered into segments of
/// ``minimumSegmentSeconds`` to ``maximumSegmentSeconds``, so that lumpy progress (a Kafka consumer
/// that commits every few seconds) averages out inside a segment. The estimate is the median of the
/// last ``window`` segment rates: one odd segment (a rebalance, a slow message) moves it little, and
/// a real change of rate takes it over once half the window has seen the new rate.
///
/// A prior (`messagesPerReplicaPerSecond`) counts as ``priorWeight`` segments until
/// ``minimumSegments`` real ones exist; after that the data alone decides, so a wrong prior is
/// forgotten. Updates are O(window) with no allocation.
public struct CapacityEstimator: Sendable, Hashable {
    /// Segments the median is taken over.
    public static let window = 31
    /// Segments needed before the data alone decides (with a prior) or before there is an estimate
    /// at all (without one).
    public static let minimumSegments = 3
    /// How many segments the prior is worth while there are fewer than ``minimumSegments``.
    public static let priorWeight = 3.0
    /// The shortest saturated stretch that makes a segment.
    public static let minimumSegmentSeconds = 2.0
    /// A saturated stretch is cut into segments of at most this long.
    public static let maximumSegmentSeconds = 5.0
    /// A segment within this relative distance of the estimate agrees with it (for ``confidence``).
    public static let agreement = 0.2
    /// After a change of the replica count, an interval that consumed no more than this share of what
    /// the replicas can consume at the estimate (nothing at all while there is none) is the consumer
    /// group's rebalance pause, and does not count.
    public static let pausedShare = 0.5
    /// After a change of the replica count, a read that consumed at least this share of the work it
    /// began with (up to what the replicas can at the estimate) shows a change that cost no pause.
    public static let freeShare = 0.75
    /// How many of the last changes of the replica count ``changesAreFree`` looks at.
    public static let judgedChanges = 8
    /// How many changes must have been judged before ``changesAreFree`` can say so.
    public static let minimumJudgedChanges = 3

    /// The prior, messages per replica per second.
    public let prior: Double?
    /// Whether a consumer group's rebalance pause after a change of the replica count is left out.
    public let followsRebalances: Bool
    private var segments = FixedRing(capacity: CapacityEstimator.window)
    private var scratch: [Double] = []
    private var median: Double?
    /// The number of segments observed so far (not only those in the window).
    public private(set) var segmentCount = 0

    private var lastTime: Double?
    private var lastConsumed: Double?
    private var lastBacklog: Double = 0
    private var lastReplicas: Int?
    private var segmentStart: Double?
    private var segmentConsumed: Double = 0
    private var segmentReplicas = 0
    private var settling = false
    private var paused = false
    private var resumed = false
    /// Whether the change being followed has been judged (paused or not) yet.
    private var judged = true
    /// The last ``judgedChanges`` judged changes, newest in bit 0: 1 where the group paused.
    private var pausedChanges: UInt32 = 0
    /// Changes judged so far.
    public private(set) var judgedChangeCount = 0

    /// Whether changing the replica count has been seen to cost this consumer group nothing: at least
    /// ``minimumJudgedChanges`` changes were followed by a read that began with at least half an
    /// interval's work for the replicas at the estimate, and each of the last ``judgedChanges`` of those
    /// reads consumed at least ``freeShare`` of what it could. A change followed only by reads with less
    /// work waiting says nothing and is not judged. False while no capacity is known or `followsRebalances` is off.
    public var changesAreFree: Bool {
        self.judgedChangeCount >= Self.minimumJudgedChanges && self.pausedChanges & Self.judgedMask == 0
    }

    private static let judgedMask: UInt32 = (1 << UInt32(CapacityEstimator.judgedChanges)) - 1

    private mutating func judge(paused: Bool) {
        self.judged = true
        self.judgedChangeCount += 1
        self.pausedChanges = (self.pausedChanges << 1 | (paused ? 1 : 0)) & Self.judgedMask
    }

    /// Creates an estimator; `prior` is the user's `messagesPerReplicaPerSecond`, if given.
    /// `followsRebalances` (default) leaves a consumer group's rebalance pause out.
    public init(prior: Double?, followsRebalances: Bool = true) {
        self.prior = prior.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        self.followsRebalances = followsRebalances
        self.scratch.reserveCapacity(Self.window)
    }

    /// Messages per replica per second, or `nil` while neither a prior nor enough data exists.
    public var estimate: Double? {
        let count = self.segments.count
        guard let median else { return self.prior }
        guard let prior, count < Self.minimumSegments else {
            return count >= Self.minimumSegments ? median : nil
        }
        return (prior * Self.priorWeight + median * Double(count)) / (Self.priorWeight + Double(count))
    }

    /// Whether the estimate comes from data alone (at least ``minimumSegments`` saturated segments in the
    /// window), not from the prior.
    public var isLearned: Bool { self.segments.count >= Self.minimumSegments }

    /// How much the estimate can be trusted, 0 to 1: the share of the window filled, times the share
    /// of its segments within ±20% of the estimate. A prior alone has confidence 0. (Computed when a
    /// segment closes, the only time it changes.)
    public private(set) var confidence: Double = 0

    /// The per-replica rates of the segments in the window, oldest first (for ``LearnedState``).
    public var segmentRates: [Double] { self.segments.valuesOldestFirst }

    /// Takes over segments learned earlier (by another process): the window, the count and the estimate
    /// are as they were; the stretch under way is not.
    public mutating func restore(segmentRates: [Double], segmentCount: Int) {
        self.segments = FixedRing(capacity: Self.window)
        for rate in segmentRates.suffix(Self.window) { self.segments.push(rate) }
        self.segmentCount = max(segmentCount, self.segments.count)
        self.median = self.segments.count > 0 ? self.segments.quantile(0.5, scratch: &self.scratch) : nil
        self.confidence = self.computeConfidence()
    }

    private func computeConfidence() -> Double {
        guard let estimate, self.segments.count > 0 else { return 0 }
        var agreeing = 0
        for age in 0..<self.segments.count {
            let rate = self.segments.value(ago: age)!
            if abs(rate - estimate) <= Self.agreement * estimate { agreeing += 1 }
        }
        let fill = Double(self.segments.count) / Double(Self.window)
        return fill * Double(agreeing) / Double(self.segments.count)
    }

    /// Folds in one observation: cumulative messages consumed, the backlog, and the ready replicas
    /// consuming (as many as can work: replicas beyond the partition count do not).
    public mutating func observe(time: Double, consumed: Double, backlog: Double, replicas: Int) {
        defer {
            self.lastTime = time
            self.lastConsumed = consumed
            self.lastBacklog = backlog
            self.lastReplicas = replicas
        }
        guard let lastTime, let lastConsumed, time > lastTime else { return }
        let progress = consumed - lastConsumed
        if self.followsRebalances { self.followRebalance(progress: progress, seconds: time - lastTime, replicas: replicas) }
        if self.resumed {
            // The pause ended inside this interval: it does not count either.
            self.closeSegment(at: lastTime)
            return
        }
        // Saturated: a backlog of at least one message per replica at both ends, the same replicas
        // throughout, no rebalance pause, and progress that is not going backwards (a reset offset).
        let saturated =
            replicas > 0 && replicas == self.lastReplicas && !self.paused && progress >= 0
            && self.lastBacklog >= Double(replicas) && backlog >= Double(replicas)
        guard saturated else {
            self.closeSegment(at: lastTime)
            return
        }
        if self.segmentStart == nil || self.segmentReplicas != replicas {
            self.closeSegment(at: lastTime)
            self.segmentStart = lastTime
            self.segmentReplicas = replicas
        }
        self.segmentConsumed += progress
        if time - self.segmentStart! >= Self.maximumSegmentSeconds { self.closeSegment(at: time) }
    }

    /// Follows a consumer group's rebalance after a change of the replica count. A group whose members
    /// change stops consuming until it has rebalanced (for seconds with eager rebalancing), and a paused
    /// group that reads as saturated would teach a capacity far too low: after a change, intervals that
    /// consumed next to nothing (``pausedShare``) are the pause, and the interval in which consumption
    /// resumed is partly paused. Both are left out (``paused``, ``resumed``). A change followed by an
    /// interval that consumed normally had no pause to see.
    private mutating func followRebalance(progress: Double, seconds: Double, replicas: Int) {
        self.resumed = false
        if let lastReplicas = self.lastReplicas, replicas != lastReplicas {
            self.settling = true
            self.paused = false
            self.judged = false
            return
        }
        guard self.settling else { return }
        let normal = self.estimate.map { $0 * Double(replicas) * seconds * Self.pausedShare } ?? 0
        if !self.judged, let estimate = self.estimate, replicas > 0 {
            // What the replicas could consume of the work waiting at the start of the interval. Only a
            // read that began with at least half an interval's work for them (and a message each)
            // tells a pause, even a partial one, from a group that consumed all there was.
            let full = estimate * Double(replicas) * seconds
            let available = min(self.lastBacklog, full)
            if available >= max(Double(replicas), Self.pausedShare * full) {
                self.judge(paused: progress < Self.freeShare * available)
            }
        }
        if progress <= normal {
            self.paused = true
        } else {
            self.resumed = self.paused
            self.settling = false
            self.paused = false
        }
    }

    private mutating func closeSegment(at time: Double) {
        defer {
            self.segmentStart = nil
            self.segmentConsumed = 0
        }
        guard let start = self.segmentStart, time - start >= Self.minimumSegmentSeconds, self.segmentReplicas > 0 else { return }
        let rate = self.segmentConsumed / (time - start) / Double(self.segmentReplicas)
        guard rate.isFinite, rate > 0 else { return }
        self.segments.push(rate)
        self.segmentCount += 1
        self.median = self.segments.quantile(0.5, scratch: &self.scratch)
        self.confidence = self.computeConfidence()
    }
}
