/// The forecasters Prescale chooses between, each forecasting the mean arrival rate over the next
/// lead time from the per-sample rate. Each keeps a few numbers of state.
public enum ForecastModel: String, Sendable, Hashable, CaseIterable {
    /// The last observed rate.
    case naive
    /// Exponentially weighted moving average, α 0.1 (smooth).
    case ewmaSlow = "ewma-0.1"
    /// Exponentially weighted moving average, α 0.3 (responsive).
    case ewmaFast = "ewma-0.3"
    /// Damped Holt: level α 0.3, trend β 0.1, damping φ 0.9.
    case dampedHolt = "holt-damped"

    /// Its position in ``ForecasterBank``'s arrays.
    var index: Int {
        switch self {
        case .naive: return 0
        case .ewmaSlow: return 1
        case .ewmaFast: return 2
        case .dampedHolt: return 3
        }
    }

    /// The models in ``index`` order (their declaration order).
    static let byIndex: [ForecastModel] = Array(ForecastModel.allCases)
    /// How many models there are: the size of every per-model array of the planner.
    public static let count = ForecastModel.allCases.count
}

/// The state of all four forecasters: plain numbers, updated in O(1) with no allocation.
public struct ForecasterBank: Sendable, Hashable {
    /// The smooth EWMA's weight of a new rate (``ForecastModel/ewmaSlow``): about the last ten samples.
    static let slowAlpha = 0.1
    /// The responsive EWMA's weight of a new rate (``ForecastModel/ewmaFast``): about the last three.
    static let fastAlpha = 0.3
    static let holtAlpha = 0.3
    static let holtBeta = 0.1
    static let holtPhi = 0.9

    private var last: Double = 0
    private var slow: Double = 0
    private var fast: Double = 0
    private var level: Double = 0
    private var trend: Double = 0
    private var started = false
    /// Mean over k = 1…h of Σᵢ₌₁ᵏ φⁱ: the damped trend's average contribution over `h` steps.
    private var trendFactor: Double = 0
    private var horizon = 0

    /// Creates an empty bank.
    public init() {}

    /// How many numbers ``levels`` holds.
    public static let levelCount = 5

    /// The state a restarted process needs: last rate, slow and fast EWMA, Holt level and trend; empty
    /// before the first observation.
    public var levels: [Double] {
        self.started ? [self.last, self.slow, self.fast, self.level, self.trend] : []
    }

    /// Takes over ``levels`` saved earlier; an empty or malformed array leaves the bank empty.
    public mutating func restore(levels: [Double]) {
        guard levels.count == Self.levelCount, levels.allSatisfy(\.isFinite) else { return }
        (self.last, self.slow, self.fast, self.level, self.trend) = (levels[0], levels[1], levels[2], levels[3], levels[4])
        self.started = true
    }

    /// Folds in the rate observed over the latest sample interval.
    public mutating func observe(_ rate: Double) {
        guard self.started else {
            (self.last, self.slow, self.fast, self.level, self.trend) = (rate, rate, rate, rate, 0)
            self.started = true
            return
        }
        self.last = rate
        self.slow += Self.slowAlpha * (rate - self.slow)
        self.fast += Self.fastAlpha * (rate - self.fast)
        let phi = Self.holtPhi
        let previousLevel = self.level
        self.level = Self.holtAlpha * rate + (1 - Self.holtAlpha) * (previousLevel + phi * self.trend)
        self.trend = Self.holtBeta * (self.level - previousLevel) + (1 - Self.holtBeta) * phi * self.trend
    }

    /// The mean rate each model forecasts over the next `steps` sample intervals, written into
    /// `forecasts` (indexed like ``ForecastModel/byIndex``; never negative).
    public mutating func forecast(steps: Int, into forecasts: inout (Double, Double, Double, Double)) {
        if steps != self.horizon {
            self.horizon = steps
            self.trendFactor = Self.trendFactor(steps: steps)
        }
        forecasts = (
            max(self.last, 0), max(self.slow, 0), max(self.fast, 0),
            max(self.level + self.trendFactor * self.trend, 0)
        )
    }

    /// (1/h) Σₖ₌₁ʰ Σᵢ₌₁ᵏ φⁱ in closed form.
    static func trendFactor(steps: Int) -> Double {
        let phi = Self.holtPhi
        let h = Double(max(steps, 1))
        var phiPowerH = 1.0
        for _ in 0..<max(steps, 1) { phiPowerH *= phi }
        return phi / (1 - phi) * (1 - phi * (1 - phiPowerH) / (h * (1 - phi)))
    }
}
