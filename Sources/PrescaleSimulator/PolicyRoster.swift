import PrescaleCore

/// The policies `prescale simulate` compares, by name.
public enum PolicyName: String, Sendable, CaseIterable {
    /// KEDA's defaults: poll 30 s, HPA sync 15 s, KEDA's reactive lag.
    case keda
    /// KEDA polling every 1 s with push activation; still the HPA's 15 s sync.
    case kedaFast = "keda-fast"
    /// Knative's KPA (requests-per-second mode).
    case kpa
    /// Prescale's planner through the same KEDA/HPA path (push activation).
    case prescale
    /// Prescale's planner scaling up directly at every sample (the K3s actuation issue); the HPA scales down.
    case prescaleDirect = "prescale-direct"
    /// Static provisioning for the trace's peak.
    case peak
}

/// Builds a policy with the same settings every run uses.
public struct PolicyRoster: Sendable {
    /// Control-path settings.
    public var settings: ControlPathSettings
    /// The consumers.
    public var model: ConsumerModel
    /// The planner settings for `prescale` and `prescale-direct` (the server's own metadata keys).
    public var prediction: PredictionSpec

    /// Creates a roster.
    public init(settings: ControlPathSettings, model: ConsumerModel, prediction: PredictionSpec) {
        self.settings = settings
        self.model = model
        self.prediction = prediction
    }

    /// Runs `policy` over `series` in `simulation`.
    public func run(_ policy: PolicyName, series: ArrivalSeries, simulation: Simulation) -> SimulationResult {
        let target = self.settings.target ?? self.model.ratePerReplica
        var prediction = self.prediction
        prediction.hpaSyncPeriod = self.settings.hpaSyncSeconds
        prediction.followsRebalances = self.settings.rebalanceGuard
        var direct = prediction
        direct.direct = true
        direct.lowersReplicas = self.settings.directScaleDown
        let planner = PredictivePlanner(
            target: target, activationThreshold: 0, prediction: policy == .prescaleDirect ? direct : prediction)
        switch policy {
        case .keda:
            var p = KEDAPolicy(
                name: policy.rawValue, settings: self.settings, model: self.model, pollingInterval: self.settings.pollingInterval,
                pushActivation: false, planner: nil)
            return simulation.run(series, policy: &p)
        case .kedaFast:
            var p = KEDAPolicy(
                name: policy.rawValue, settings: self.settings, model: self.model, pollingInterval: self.settings.fastPollingInterval,
                pushActivation: true, planner: nil)
            return simulation.run(series, policy: &p)
        case .kpa:
            var p = KPAPolicy(settings: self.settings, model: self.model)
            return simulation.run(series, policy: &p)
        case .prescale:
            var p = KEDAPolicy(
                name: policy.rawValue, settings: self.settings, model: self.model, pollingInterval: self.settings.pollingInterval,
                pushActivation: true, planner: planner)
            return simulation.run(series, policy: &p)
        case .prescaleDirect:
            var p = KEDAPolicy(
                name: policy.rawValue, settings: self.settings, model: self.model, pollingInterval: self.settings.pollingInterval,
                pushActivation: true, direct: true, planner: planner)
            return simulation.run(series, policy: &p)
        case .peak:
            var p = PeakPolicy(series: series, model: self.model)
            return simulation.run(series, policy: &p)
        }
    }
}
