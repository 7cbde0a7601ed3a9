/// Arrivals per second: what the simulator replays. Built from a trace or a synthetic scenario.
public struct ArrivalSeries: Sendable, Hashable {
    /// Messages arriving in second `i`.
    public var perSecond: [Double]
    /// Where it came from, for tables and charts.
    public var name: String
    /// The work (for example tokens) arriving in second `i`, when messages differ in size.
    public var workPerSecond: [Double]?

    /// Creates a series.
    public init(perSecond: [Double], name: String, workPerSecond: [Double]? = nil) {
        self.perSecond = perSecond
        self.name = name
        self.workPerSecond = workPerSecond
    }

    /// The mean work per message (1 without a work column).
    public var meanWork: Double {
        guard let work = self.workPerSecond else { return 1 }
        let total = self.total
        return total > 0 ? work.reduce(0, +) / total : 1
    }

    /// Total messages.
    public var total: Double { self.perSecond.reduce(0, +) }

    /// The highest arrival rate averaged over `window` seconds (the rate static provisioning must
    /// serve).
    public func peakRate(window: Int = 60) -> Double {
        guard !self.perSecond.isEmpty else { return 0 }
        let width = max(1, min(window, self.perSecond.count))
        var sum = self.perSecond.prefix(width).reduce(0, +)
        var best = sum
        for index in width..<self.perSecond.count {
            sum += self.perSecond[index] - self.perSecond[index - width]
            best = max(best, sum)
        }
        return best / Double(width)
    }
}

/// Built-in load shapes, with Poisson arrivals around the shape's rate.
public enum SyntheticScenario: String, Sendable, CaseIterable {
    /// 20/s, then 200/s from 20% to 50% of the run, then 20/s again (`prescale demo`'s default load).
    case burst
    /// 5/s, then 60/s from a third of the way in.
    case step
    /// 5/s with a 30 s spike to 150/s in the middle.
    case spike
    /// A sine day (compressed to the run) between 2/s and 60/s.
    case diurnal
    /// Alternating 60 s at 50/s and 120 s idle.
    case onOff = "on-off"
    /// Sparse, intermittent functions, the shape of most functions in the Azure Functions traces:
    /// bursts of 1 to 50 messages (uniform) arriving at ``sparseBurstRate`` per second, separated by
    /// silences of 1 to 30 minutes (uniform).
    case sparse

    /// The rate at which a sparse burst's messages arrive.
    public static let sparseBurstRate = 10
    /// The shortest and longest silence between sparse bursts, seconds.
    public static let sparseGaps = 60...1_800
    /// The smallest and largest sparse burst, messages.
    public static let sparseBurstSizes = 1...50

    /// How long a run is when `--seconds` is not given: an hour, or a day for `sparse` (about 90 bursts).
    public var defaultSeconds: Int { self == .sparse ? 86_400 : 3_600 }

    /// The mean rate at second `second` of a `seconds`-long run, for the shaped scenarios (`nil` for
    /// `sparse`, whose bursts are drawn at random).
    public func rate(at second: Int, of seconds: Int) -> Double? {
        switch self {
        case .sparse:
            return nil
        case .burst:
            let share = Double(second) / Double(max(seconds, 1))
            return (0.2..<0.5).contains(share) ? 200 : 20
        case .step:
            return second < seconds / 3 ? 5 : 60
        case .spike:
            return abs(second - seconds / 2) < 15 ? 150 : 5
        case .diurnal:
            let phase = Double(second) / Double(max(seconds, 1)) * 2 * Double.pi
            return 31 - 29 * cosine(phase)
        case .onOff:
            return second % 180 < 60 ? 50 : 0
        }
    }

    /// The series of `seconds` seconds, seeded.
    public func series(seconds: Int, scale: Double, random: inout SimulationRandom) -> ArrivalSeries {
        guard self != .sparse else {
            return ArrivalSeries(perSecond: Self.sparseCounts(seconds: seconds, scale: scale, random: &random), name: "scenario sparse")
        }
        let counts = (0..<seconds).map { random.poisson((self.rate(at: $0, of: seconds) ?? 0) * scale) }
        return ArrivalSeries(perSecond: counts, name: "scenario \(self.rawValue)")
    }

    /// Sparse bursts: a silence, then a burst of `scale` × 1-50 messages at ``sparseBurstRate`` per
    /// second, until the run ends. The first burst comes after the first silence.
    static func sparseCounts(seconds: Int, scale: Double, random: inout SimulationRandom) -> [Double] {
        var counts = [Double](repeating: 0, count: seconds)
        var second = 0
        while true {
            second += random.uniform(in: Self.sparseGaps)
            var remaining = (Double(random.uniform(in: Self.sparseBurstSizes)) * scale).rounded()
            while remaining > 0 && second < seconds {
                let now = min(remaining, Double(Self.sparseBurstRate))
                counts[second] += now
                remaining -= now
                second += 1
            }
            if second >= seconds { return counts }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func cosine(_ x: Double) -> Double { cos(x) }
