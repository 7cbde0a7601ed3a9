/// What the predictive planner saw and concluded, for `/metrics`, `prescale plan` and the simulator.
public struct PredictionExplanation: Sendable, Hashable {
    /// The forecast mean arrival rate over the lead time (messages per second).
    public var forecastRate: Double
    /// The forecast plus the conformal headroom: the rate planned for.
    public var upperRate: Double
    /// The backlog (or, for windowed sources, the window count) predicted at the lead time.
    public var predictedBacklog: Double
    /// The forecaster chosen by the lowest recent loss.
    public var model: ForecastModel
    /// The lead time used, in seconds.
    public var leadTimeSeconds: Double
    /// Replicas from rate mode's queueing formula, when rate mode is on.
    public var rateModeReplicas: Int?

    /// Creates an explanation.
    public init(
        forecastRate: Double,
        upperRate: Double,
        predictedBacklog: Double,
        model: ForecastModel,
        leadTimeSeconds: Double,
        rateModeReplicas: Int? = nil
    ) {
        self.forecastRate = forecastRate
        self.upperRate = upperRate
        self.predictedBacklog = predictedBacklog
        self.model = model
        self.leadTimeSeconds = leadTimeSeconds
        self.rateModeReplicas = rateModeReplicas
    }
}
