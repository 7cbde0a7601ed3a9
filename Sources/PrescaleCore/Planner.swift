/// Turns a trigger's samples into decisions. The server, the simulator and `prescale plan` all drive a
/// planner through this one entry point, so what users tune is what runs.
///
/// Implementations are value types with O(1) state: `decide` is called once per sample, in time order.
public protocol Planner: Sendable {
    /// Folds `sample` into the planner's state and returns the decision for it.
    mutating func decide(_ sample: MetricSample) -> PlannerDecision
    /// What it has learned that is worth keeping across restarts, if it learns anything.
    var learned: LearnedState? { get }
    /// Takes over what an earlier process learned.
    mutating func restore(_ state: LearnedState)
}

extension Planner {
    /// Nothing: a planner that learns nothing.
    public var learned: LearnedState? { nil }
    /// Nothing to restore.
    public mutating func restore(_ state: LearnedState) {}
}

/// The planner that reports what KEDA's own scaler would (the sample's reactive value), held for the
/// scale-down window (``ScaleDownHold``): Prescale's ScaledObjects ship no scale-down window in the HPA,
/// the value carries it. Activation is not held.
///
/// It is the behaviour of `predict: "false"`; ``PredictivePlanner`` is the other planner.
public struct ReactivePlanner: Planner {
    /// The target value per replica.
    public var target: Double
    /// Active when the sample's activity value is strictly greater than this.
    public var activationThreshold: Double

    /// Creates a reactive planner for a trigger.
    public init(target: Double, activationThreshold: Double) {
        self.target = target
        self.activationThreshold = activationThreshold
    }

    /// Creates a reactive planner from a parsed trigger.
    public init(spec: TriggerSpec) {
        self.init(target: spec.target, activationThreshold: spec.activationThreshold)
    }

    private var hold = ScaleDownHold()

    public mutating func decide(_ sample: MetricSample) -> PlannerDecision {
        var decision = self.kedaDecision(sample)
        if decision.value.isFinite { self.hold.hold(&decision) }
        return decision
    }

    /// KEDA's own decision for `sample`, not held.
    public func kedaDecision(_ sample: MetricSample) -> PlannerDecision {
        let value = sample.reactiveValue.isFinite ? max(sample.reactiveValue, 0) : sample.reactiveValue
        return PlannerDecision(
            value: value,
            target: self.target,
            isActive: sample.activityValue > self.activationThreshold,
            desiredReplicas: PlannerDecision.replicas(value: value, target: self.target),
            reactiveValue: sample.reactiveValue,
            sampleTime: sample.time
        )
    }
}
