/// What the planner concluded from the latest sample: the answer KEDA gets, and why.
public struct PlannerDecision: Sendable, Hashable {
    /// The metric value reported to KEDA (finite, >= 0).
    public var value: Double
    /// The target value per replica.
    public var target: Double
    /// Whether the trigger is active (`activity value > activation threshold`).
    public var isActive: Bool
    /// The replica count the HPA will compute from `value`: `ceil(value / target)`.
    public var desiredReplicas: Int
    /// The value a purely reactive scaler (KEDA's own) would have reported.
    public var reactiveValue: Double
    /// The time of the sample the decision came from.
    public var sampleTime: Double
    /// Why the value is what it is, when prediction is on.
    public var prediction: PredictionExplanation?

    /// Creates a decision.
    public init(
        value: Double,
        target: Double,
        isActive: Bool,
        desiredReplicas: Int,
        reactiveValue: Double,
        sampleTime: Double,
        prediction: PredictionExplanation? = nil
    ) {
        self.value = value
        self.target = target
        self.isActive = isActive
        self.desiredReplicas = desiredReplicas
        self.reactiveValue = reactiveValue
        self.sampleTime = sampleTime
        self.prediction = prediction
    }

    /// The lowest value the planner may report for this decision: once the capacity is learned,
    /// ``PredictionExplanation/learnedFloor``; before, the reactive value, or while a backlog trigger
    /// knows no capacity, min(reactive value, ``PredictionExplanation/scaleUpBound``). The reactive value
    /// here is less the messages consumed and not yet committed (``PredictionExplanation/uncommitted``).
    public var valueFloor: Double {
        self.prediction?.learnedFloor
            ?? min(max(self.reactiveValue - (self.prediction?.uncommitted ?? 0), 0), self.prediction?.scaleUpBound ?? .infinity)
    }

    /// Reports `value` instead, with the replica count the HPA computes from it.
    public mutating func report(_ value: Double) {
        self.value = value
        self.desiredReplicas = Self.replicas(value: value, target: self.target)
    }

    /// `ceil(value / target)` as the HPA computes it for an `AverageValue` target, saturating instead
    /// of overflowing.
    public static func replicas(value: Double, target: Double) -> Int {
        guard target > 0, value.isFinite, value > 0 else { return 0 }
        let ratio = (value / target).rounded(.up)
        return ratio >= Double(Int32.max) ? Int(Int32.max) : Int(ratio)
    }
}
