/// What a predicting trigger has learned that takes minutes to learn again: the capacity segments of one
/// replica, the sizes of past bursts, and the forecasters' levels (what they need for their first
/// minute). Kept across restarts, rollouts and failover, so that the first sample after a restart is
/// planned with the capacity learned before it.
///
/// Plain numbers only; ``isUsable`` refuses anything a planner must not trust (another version, values
/// that are not finite or out of range).
public struct LearnedState: Sendable, Hashable, Codable {
    /// The format this build writes and reads.
    public static let currentVersion = 1

    /// The format's version.
    public var version: Int
    /// Per-replica rates of the last saturated segments, oldest first (at most
    /// ``CapacityEstimator/window``).
    public var capacitySegments: [Double]
    /// Segments observed in all (not only those kept).
    public var capacitySegmentCount: Int
    /// Peaks of the last bursts, oldest first (at most ``BurstMemory/capacity``).
    public var burstPeaks: [Double]
    /// Durations of the same bursts, in seconds.
    public var burstDurations: [Double]
    /// Seconds from each of the same bursts' start to its rise; absent in state written before rises
    /// were kept (each burst is then taken to rise at its start).
    public var burstRises: [Double]?
    /// Seconds of silence between the last bursts, oldest first (at most ``BurstMemory/capacity``);
    /// absent in state written before gaps were kept.
    public var burstGaps: [Double]?
    /// The forecasters' state: last rate, slow and fast EWMA, Holt level and trend.
    public var forecasterLevels: [Double]
    /// When the last burst ended, so that the silence since it goes on across a restart (a burst that
    /// recurs is pre-warmed right after one). On the clock of whoever holds the state: the planner's sample
    /// clock in ``PredictivePlanner/learned`` and ``PredictivePlanner/restore(_:)``, the wall clock
    /// (seconds since 1970) once stored; ``shiftingClock(by:)`` converts. `nil` before a burst has ended,
    /// and in state written before it was kept.
    public var lastBurstEnd: Double?

    /// Creates a state.
    public init(
        version: Int = LearnedState.currentVersion, capacitySegments: [Double], capacitySegmentCount: Int, burstPeaks: [Double],
        burstDurations: [Double], burstRises: [Double]? = nil, burstGaps: [Double]? = nil, forecasterLevels: [Double],
        lastBurstEnd: Double? = nil
    ) {
        self.version = version
        self.capacitySegments = capacitySegments
        self.capacitySegmentCount = capacitySegmentCount
        self.burstPeaks = burstPeaks
        self.burstDurations = burstDurations
        self.burstRises = burstRises
        self.burstGaps = burstGaps
        self.forecasterLevels = forecasterLevels
        self.lastBurstEnd = lastBurstEnd
    }

    /// The same state with its times on another clock: `offset` = (the other clock's reading − this
    /// clock's reading) at the same instant.
    public func shiftingClock(by offset: Double) -> LearnedState {
        var shifted = self
        shifted.lastBurstEnd = self.lastBurstEnd.map { $0 + offset }
        return shifted
    }

    /// Whether anything worth keeping was learned: a capacity segment or a finished burst.
    public var isWorthKeeping: Bool {
        !self.capacitySegments.isEmpty || !self.burstPeaks.isEmpty
    }

    /// Why this state must not be trusted, or `nil` when it can be.
    public var problem: String? {
        if self.version != Self.currentVersion {
            return "version \(self.version), this build reads version \(Self.currentVersion)"
        }
        if self.capacitySegments.count > CapacityEstimator.window || self.capacitySegmentCount < self.capacitySegments.count {
            return "\(self.capacitySegments.count) capacity segments of \(self.capacitySegmentCount) (at most \(CapacityEstimator.window))"
        }
        if !self.capacitySegments.allSatisfy({ $0.isFinite && $0 > 0 }) {
            return "a capacity segment that is not a positive number"
        }
        if self.burstPeaks.count != self.burstDurations.count || self.burstPeaks.count > BurstMemory.capacity {
            return "\(self.burstPeaks.count) burst peaks and \(self.burstDurations.count) durations (at most \(BurstMemory.capacity))"
        }
        if let rises = self.burstRises, rises.count != self.burstPeaks.count {
            return "\(rises.count) burst rises for \(self.burstPeaks.count) bursts"
        }
        if let gaps = self.burstGaps, gaps.count > BurstMemory.capacity {
            return "\(gaps.count) burst gaps (at most \(BurstMemory.capacity))"
        }
        let burstSizes = self.burstPeaks + self.burstDurations + (self.burstRises ?? []) + (self.burstGaps ?? [])
        if !burstSizes.allSatisfy({ $0.isFinite && $0 >= 0 }) {
            return "a burst size that is not a number >= 0"
        }
        if let end = self.lastBurstEnd, !end.isFinite {
            return "a last burst end that is not a number"
        }
        if !(self.forecasterLevels.isEmpty || self.forecasterLevels.count == ForecasterBank.levelCount)
            || !self.forecasterLevels.allSatisfy(\.isFinite)
        {
            return "forecaster levels that are not \(ForecasterBank.levelCount) numbers"
        }
        return nil
    }
}
