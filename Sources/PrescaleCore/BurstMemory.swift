/// Remembers the size of past bursts, so that a burst from zero is planned for at its first sample.
///
/// A rate forecaster cannot see a burst coming out of silence: a second ago the rate was zero. But
/// bursty workloads repeat themselves: the bursts of the last hour were about as high and as long as
/// the next one will be. A burst starts with the first arrivals after ``quietSeconds`` without any,
/// and ends with the next such silence. Its peak (the highest smoothed per-sample rate) and duration
/// are kept for the last ``capacity`` bursts; while a new burst is younger than the median duration,
/// ``plannedRate(at:)`` is the median peak.
///
/// A steady or seasonal workload has no silences, so it never forms bursts and this adds nothing.
public struct BurstMemory: Sendable, Hashable {
    /// Seconds without arrivals that end a burst (and must precede a new one).
    public static let quietSeconds = 5.0
    /// Bursts remembered.
    public static let capacity = 15
    /// Bursts needed before their size is used.
    public static let minimumBursts = 2

    private var peaks = FixedRing(capacity: BurstMemory.capacity)
    private var durations = FixedRing(capacity: BurstMemory.capacity)
    private var scratch: [Double] = []
    private var expectedPeak: Double?
    private var expectedDuration: Double?
    private var start: Double?
    private var lastArrival: Double?
    private var peak = 0.0
    private var smoothed = 0.0

    /// Creates an empty memory.
    public init() {
        self.scratch.reserveCapacity(Self.capacity)
    }

    /// Bursts seen to their end.
    public var count: Int { self.peaks.count }

    /// The peaks and durations of the bursts remembered, oldest first (for ``LearnedState``).
    public var remembered: (peaks: [Double], durations: [Double]) {
        (self.peaks.valuesOldestFirst, self.durations.valuesOldestFirst)
    }

    /// Takes over bursts remembered earlier (by another process); a burst under way is not.
    public mutating func restore(peaks: [Double], durations: [Double]) {
        self.peaks = FixedRing(capacity: Self.capacity)
        self.durations = FixedRing(capacity: Self.capacity)
        for (peak, duration) in zip(peaks, durations).suffix(Self.capacity) {
            self.peaks.push(peak)
            self.durations.push(duration)
        }
        self.expectedPeak = nil
        self.expectedDuration = nil
        if self.peaks.count >= Self.minimumBursts {
            self.expectedPeak = self.peaks.quantile(0.5, scratch: &self.scratch)
            self.expectedDuration = self.durations.quantile(0.5, scratch: &self.scratch)
        }
    }

    /// Whether a burst is under way at `time`.
    public func inBurst(at time: Double) -> Bool {
        guard self.start != nil, let lastArrival else { return false }
        return time - lastArrival < Self.quietSeconds
    }

    /// Folds in the arrival rate over the interval ending at `time`.
    public mutating func observe(time: Double, rate: Double) {
        if let lastArrival, self.start != nil, time - lastArrival >= Self.quietSeconds {
            self.finish(end: lastArrival)
        }
        guard rate > 0 else { return }
        if self.start == nil {
            self.start = time
            self.peak = 0
            self.smoothed = rate
        }
        self.lastArrival = time
        self.smoothed += 0.5 * (rate - self.smoothed)
        self.peak = max(self.peak, self.smoothed)
    }

    /// The rate to plan for at `time`: the median peak of past bursts while the current burst is
    /// younger than their median duration; otherwise 0 (nothing to add).
    public func plannedRate(at time: Double) -> Double {
        guard let start, let expectedPeak, let expectedDuration, self.inBurst(at: time) else { return 0 }
        return time - start <= expectedDuration ? expectedPeak : 0
    }

    private mutating func finish(end: Double) {
        guard let start else { return }
        self.peaks.push(self.peak)
        self.durations.push(max(end - start, 1))
        self.start = nil
        if self.peaks.count >= Self.minimumBursts {
            self.expectedPeak = self.peaks.quantile(0.5, scratch: &self.scratch)
            self.expectedDuration = self.durations.quantile(0.5, scratch: &self.scratch)
        }
    }
}
