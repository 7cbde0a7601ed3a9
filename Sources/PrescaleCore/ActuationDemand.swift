/// One trigger's latest wish for its ScaledObject's target, from one planner decision.
public struct ActuationDemand: Sendable {
    /// The ScaledObject.
    public var scaledObject: ScaledObjectKey
    /// Which trigger of the ScaledObject (the HPA takes the largest of its triggers' counts).
    public var trigger: String
    /// The value reported to KEDA.
    public var value: Double
    /// The target value per replica.
    public var target: Double
    /// Whether the trigger is active.
    public var isActive: Bool
    /// When the planner decided, for the decision-to-patch latency.
    public var decidedAt: ContinuousClock.Instant
    /// The planner's decision behind the demand, if a planner made it.
    public var decision: PlannerDecision?

    /// Why the value is what it is (the planner's explanation), for the Event on the target. Formatted
    /// only when read, which is when a patch is made, not at every sample.
    public var reason: String { self.decision?.reason ?? "" }

    /// Creates a demand.
    public init(
        scaledObject: ScaledObjectKey,
        trigger: String,
        value: Double,
        target: Double,
        isActive: Bool,
        decidedAt: ContinuousClock.Instant = .now,
        decision: PlannerDecision? = nil
    ) {
        self.scaledObject = scaledObject
        self.trigger = trigger
        self.value = value
        self.target = target
        self.isActive = isActive
        self.decidedAt = decidedAt
        self.decision = decision
    }
}

/// Where triggers send their decisions for direct actuation: the ``Actuator``, or a test double.
public protocol ActuationDemands: Sendable {
    /// Records a trigger's latest decision. Never blocks.
    func submit(_ demand: ActuationDemand)
    /// Forgets a trigger (evicted or changed).
    func withdraw(_ key: ScaledObjectKey, trigger: String)
}
