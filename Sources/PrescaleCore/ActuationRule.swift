/// The replica bounds of a scale target, from its ScaledObject.
public struct ReplicaBounds: Sendable, Hashable, CustomStringConvertible {
    /// `spec.minReplicaCount` (KEDA's default 0).
    public var minimum: Int
    /// `spec.maxReplicaCount` (KEDA's default 100).
    public var maximum: Int

    /// KEDA's defaults: 0 and 100.
    public static let kedaDefaults = ReplicaBounds(minimum: 0, maximum: 100)

    /// Creates bounds; a maximum below the minimum is raised to it, as KEDA refuses such objects.
    public init(minimum: Int, maximum: Int) {
        self.minimum = max(0, minimum)
        self.maximum = max(self.minimum, maximum)
    }

    public var description: String { "[\(self.minimum), \(self.maximum)]" }
}

/// Why a decision did not become a patch.
public enum ActuationSkipReason: String, Sendable, Hashable, CaseIterable {
    /// The desired count is not above the current one: scale-down stays with KEDA and the HPA.
    case notAboveCurrent = "not_above_current"
    /// The target was patched less than the minimum interval ago; the latest decision waits.
    case rateLimited = "rate_limited"
    /// Another Prescale replica holds the lease and actuates.
    case notLeader = "not_leader"
    /// The trigger is not active: taking a target off zero is KEDA's call.
    case inactive = "inactive"
}

/// What the actuator does with one decision.
public enum ActuationDecision: Sendable, Hashable {
    /// Patch `spec.replicas` to this count.
    case patch(replicas: Int)
    /// Send nothing.
    case skip(ActuationSkipReason)
}

/// The pure rule behind direct actuation: the count the HPA will compute, and whether to patch.
///
/// The desired count is exactly what the HPA derives from the value Prescale reports for an
/// `AverageValue` external metric, `ceil(value / target)`, clamped to `[max(min, 1), max]`; so after
/// a patch the HPA agrees at its next sync instead of fighting. Only scale-up is ever patched.
///
/// ```swift
/// let rule = ActuationRule(maximumStep: nil)
/// rule.desiredReplicas(value: 120, target: 50, bounds: .kedaDefaults)   // 3
/// rule.decide(desired: 3, current: 1)                                    // .patch(replicas: 3)
/// ```
public struct ActuationRule: Sendable, Hashable {
    /// The most replicas one patch adds; `nil` (the default) for no cap.
    public var maximumStep: Int?

    /// Creates a rule; `maximumStep` of 0 or less means no cap.
    public init(maximumStep: Int? = nil) {
        self.maximumStep = maximumStep.flatMap { $0 > 0 ? $0 : nil }
    }

    /// `ceil(value / target)` clamped to `[max(min, 1), max]`. A decision to act means the target is
    /// active, so the floor is one replica even when the ScaledObject allows zero.
    public func desiredReplicas(value: Double, target: Double, bounds: ReplicaBounds) -> Int {
        let raw = PlannerDecision.replicas(value: value, target: target)
        let floor = min(max(bounds.minimum, 1), bounds.maximum)
        return min(max(raw, floor), bounds.maximum)
    }

    /// Patch only when `desired` is above `current`, by at most ``maximumStep``.
    public func decide(desired: Int, current: Int) -> ActuationDecision {
        guard desired > current else { return .skip(.notAboveCurrent) }
        if let step = self.maximumStep {
            return .patch(replicas: min(desired, current + step))
        }
        return .patch(replicas: desired)
    }
}
