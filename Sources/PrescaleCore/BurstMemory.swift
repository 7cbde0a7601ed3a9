/// Remembers the size and shape of past bursts, so that a burst from zero is planned for before its peak.
///
/// A rate forecaster cannot see a burst coming out of silence: a second ago the rate was zero. But
/// bursty workloads repeat themselves: the bursts of the last hour were about as high and as long as
/// the next one will be, and rose as late after their first arrivals. A burst starts with the first
/// arrivals after ``quietSeconds`` without any, and ends with the next such silence. Its peak (the
/// highest smoothed per-sample rate), duration and rise (seconds from its start to the sample at which
/// the smoothed rate last doubled on its way to the peak) are kept for the last ``capacity`` bursts.
/// ``plannedRate(at:lead:)`` is the median peak while a new burst is younger than the median duration
/// and no younger than the early rise (the ``riseQuantile`` of the rises) less the lead time: a burst
/// that idles at a low rate before it rises gets its peak's capacity a lead time before the rise, not
/// from its first arrival.
///
/// Bursts that recur at regular silences are also planned for before they start, in the spirit of the
/// hybrid histogram policy of "Serverless in the Wild" (USENIX ATC '20): ``prewarmRate(at:lead:)`` is the
/// median peak from a lead time before the earliest expected rise (a low quantile of the silences seen,
/// plus the early rise) to the latest (a high quantile), and nothing while the silences are too spread
/// out for that window to be narrow (``regularGapSpread``): a sparse function with silences of 1 to 30
/// minutes is not pre-warmed, it would pay for replicas most of the time.
///
/// A steady or seasonal workload has no silences, so it never forms bursts and this adds nothing.
public struct BurstMemory: Sendable, Hashable {
    /// Seconds without arrivals that end a burst (and must precede a new one).
    public static let quietSeconds = 5.0
    /// Bursts remembered.
    public static let capacity = 15
    /// Bursts needed before their size is used.
    public static let minimumBursts = 1
    /// The quantile of past rises planned for: an early one, so that a burst rising sooner than the
    /// median still finds its capacity.
    public static let riseQuantile = 0.25
    /// The quantiles of past silences that open and close the pre-warm window: with the
    /// ``capacity`` silences remembered, the second shortest and the second longest.
    public static let prewarmGapQuantiles = (open: 0.1, close: 0.9)
    /// The widest spread between those quantiles, as a share of the median silence, at which silences
    /// are regular enough to pre-warm for: beyond it the window is wide and replicas wait in it.
    public static let regularGapSpread = 0.25
    /// A restored end of the last burst is kept while the silence since it is at most this many times the
    /// longest silence remembered (``restore(peaks:durations:rises:gaps:lastEnd:)``).
    public static let restoredSilenceFactor = 2.0
    /// The weight of a new sample's rate in a burst's smoothed rate, whose highest value is the peak: a
    /// one-sample spike counts half.
    static let peakSmoothing = 0.5

    private var peaks = FixedRing(capacity: BurstMemory.capacity)
    private var durations = FixedRing(capacity: BurstMemory.capacity)
    private var rises = FixedRing(capacity: BurstMemory.capacity)
    private var gaps = FixedRing(capacity: BurstMemory.capacity)
    private var expectedGap: Double?
    private var prewarmOpen: Double?
    private var prewarmClose: Double?
    private var lastEnd: Double?
    private var lastEndRestored = false
    private var scratch: [Double] = []
    private var expectedPeak: Double?
    private var expectedDuration: Double?
    private var expectedRise: Double?
    private var start: Double?
    private var lastArrival: Double?
    private var peak = 0.0
    private var smoothed = 0.0
    private var riseTime = 0.0
    private var riseLevel = 0.0

    /// Creates an empty memory.
    public init() {
        self.scratch.reserveCapacity(Self.capacity)
    }

    /// Bursts seen to their end.
    public var count: Int { self.peaks.count }

    /// The silences between bursts seen so far, oldest first (for ``LearnedState``).
    public var rememberedGaps: [Double] { self.gaps.valuesOldestFirst }

    /// Seconds from `time` until the next burst is expected to rise, judged early: the ``riseQuantile``
    /// of past silences between bursts, less the silence so far, plus the early rise. `nil` while a
    /// burst is under way or before a silence between two bursts has been seen.
    public func secondsToNextRise(at time: Double) -> Double? {
        guard !self.inBurst(at: time), let lastEnd, let expectedGap, let expectedRise else { return nil }
        return max(expectedGap - (time - lastEnd), 0) + expectedRise
    }

    /// The rate to have capacity for at `time`, in a silence, so that capacity asked for now is ready
    /// `lead` seconds later when the next burst is due: the median peak of past bursts from `lead`
    /// seconds before the earliest expected rise (the silence's ``prewarmGapQuantiles`` open quantile
    /// plus the early rise) until the latest (its close quantile plus the early rise); otherwise 0. Also
    /// 0 during a burst (``plannedRate(at:lead:)`` plans it) and while the silences are irregular (their
    /// spread above ``regularGapSpread`` of the median). What it costs per burst is bounded: the peak's
    /// replicas for the lead time plus that spread, and when the burst does not come, the scale-down
    /// hold after the window closes.
    public func prewarmRate(at time: Double, lead: Double) -> Double {
        guard !self.inBurst(at: time), let lastEnd, let open = self.prewarmOpen, let close = self.prewarmClose,
            let expectedPeak, let expectedRise
        else { return 0 }
        let silence = time - lastEnd
        return silence >= open + expectedRise - lead && silence <= close + expectedRise ? expectedPeak : 0
    }

    /// When the last burst seen to its end ended, on the sample clock; `nil` before one has (for
    /// ``LearnedState``).
    public var lastBurstEnd: Double? { self.lastEnd }

    /// The peaks, durations and rises of the bursts remembered, oldest first (for ``LearnedState``).
    public var remembered: (peaks: [Double], durations: [Double], rises: [Double]) {
        (self.peaks.valuesOldestFirst, self.durations.valuesOldestFirst, self.rises.valuesOldestFirst)
    }

    /// Takes over bursts remembered earlier (by another process); a burst under way is not. Without
    /// their rises (state written before rises were kept), each burst is taken to rise at its start. With
    /// `lastEnd` (on this memory's sample clock), the silence since the last burst goes on from there: the
    /// next burst is pre-warmed when it is due, and its silence is remembered when it begins. It is
    /// dropped at the first sample if the silence by then is longer than ``restoredSilenceFactor`` times
    /// the longest remembered one (or no silence is remembered): bursts may have come while nothing
    /// watched, and one made-up silence would make regular ones look irregular.
    public mutating func restore(
        peaks: [Double], durations: [Double], rises: [Double]? = nil, gaps: [Double]? = nil, lastEnd: Double? = nil
    ) {
        self.lastEnd = lastEnd.flatMap { $0.isFinite ? $0 : nil }
        self.lastEndRestored = self.lastEnd != nil
        self.gaps = FixedRing(capacity: Self.capacity)
        for gap in (gaps ?? []).suffix(Self.capacity) { self.gaps.push(gap) }
        self.peaks = FixedRing(capacity: Self.capacity)
        self.durations = FixedRing(capacity: Self.capacity)
        self.rises = FixedRing(capacity: Self.capacity)
        let rises = rises.flatMap { $0.count == peaks.count ? $0 : nil } ?? Array(repeating: 0, count: peaks.count)
        for ((peak, duration), rise) in zip(zip(peaks, durations), rises).suffix(Self.capacity) {
            self.peaks.push(peak)
            self.durations.push(duration)
            self.rises.push(rise)
        }
        self.updateExpectations()
    }

    /// Whether a burst is under way at `time`.
    public func inBurst(at time: Double) -> Bool {
        guard self.start != nil, let lastArrival else { return false }
        return time - lastArrival < Self.quietSeconds
    }

    /// Whether a burst is under way at `time` and earlier bursts are remembered: its size is known, so
    /// the residual headroom (widened by the bursts themselves) is not what bounds it.
    public func inRememberedBurst(at time: Double) -> Bool {
        self.expectedPeak != nil && self.inBurst(at: time)
    }

    /// Folds in the arrival rate over the interval ending at `time`.
    public mutating func observe(time: Double, rate: Double) {
        if self.lastEndRestored {
            self.lastEndRestored = false
            let longest = self.gaps.valuesOldestFirst.max() ?? -.infinity
            if let lastEnd, time - lastEnd > Self.restoredSilenceFactor * longest { self.lastEnd = nil }
        }
        if let lastArrival, self.start != nil, time - lastArrival >= Self.quietSeconds {
            self.finish(end: lastArrival)
        }
        guard rate > 0 else { return }
        if self.start == nil {
            if let lastEnd = self.lastEnd { self.gaps.push(max(time - lastEnd, 0)) }
            self.start = time
            self.peak = 0
            self.smoothed = rate
            self.riseTime = time
            self.riseLevel = rate
        }
        self.lastArrival = time
        self.smoothed += Self.peakSmoothing * (rate - self.smoothed)
        if self.smoothed > self.peak {
            self.peak = self.smoothed
            // The rise is where the rate last doubled on its way up: a step is dated at its first sample,
            // a ramp about halfway up.
            if self.riseLevel < 0.5 * self.peak {
                self.riseTime = time
                self.riseLevel = self.smoothed
            }
        }
    }

    /// The rate to plan for at `time`, `lead` seconds before capacity asked for now is ready: the median
    /// peak of past bursts while the current burst is younger than their median duration and within
    /// `lead` of their early rise; otherwise 0 (nothing to add).
    public func plannedRate(at time: Double, lead: Double = 0) -> Double {
        guard let start, let expectedPeak, let expectedDuration, let expectedRise, self.inBurst(at: time) else { return 0 }
        let age = time - start
        return age <= expectedDuration && age >= expectedRise - lead ? expectedPeak : 0
    }

    private mutating func finish(end: Double) {
        guard let start else { return }
        self.peaks.push(self.peak)
        self.durations.push(max(end - start, 1))
        self.rises.push(max(self.riseTime - start, 0))
        self.start = nil
        self.lastEnd = end
        self.updateExpectations()
    }

    private mutating func updateExpectations() {
        guard self.peaks.count >= Self.minimumBursts else {
            (self.expectedPeak, self.expectedDuration, self.expectedRise, self.expectedGap) = (nil, nil, nil, nil)
            (self.prewarmOpen, self.prewarmClose) = (nil, nil)
            return
        }
        self.expectedPeak = self.peaks.quantile(0.5, scratch: &self.scratch)
        self.expectedDuration = self.durations.quantile(0.5, scratch: &self.scratch)
        self.expectedRise = self.rises.quantile(Self.riseQuantile, scratch: &self.scratch)
        self.expectedGap = self.gaps.count > 0 ? self.gaps.quantile(Self.riseQuantile, scratch: &self.scratch) : nil
        (self.prewarmOpen, self.prewarmClose) = (nil, nil)
        if let open = self.gaps.quantile(Self.prewarmGapQuantiles.open, scratch: &self.scratch),
            let close = self.gaps.quantile(Self.prewarmGapQuantiles.close, scratch: &self.scratch),
            let median = self.gaps.quantile(0.5, scratch: &self.scratch), close - open <= Self.regularGapSpread * median
        {
            (self.prewarmOpen, self.prewarmClose) = (open, close)
        }
    }
}
