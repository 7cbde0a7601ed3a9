import PrescaleCore

/// What a trigger can answer right now.
public enum TriggerStatus: Sendable, Hashable {
    /// No sample has arrived yet.
    case pending
    /// The planner's latest decision.
    case ready(PlannerDecision)
    /// The source reported a failure; the next sample clears it.
    case failed(SourceFailure)

    /// The parts a push stream reports: availability, activity and the spec.
    /// A change here wakes the trigger's watchers; a changed value alone does not.
    var signature: Signature {
        switch self {
        case .pending: return Signature(available: false, isActive: false, target: 0)
        case .failed: return Signature(available: false, isActive: false, target: 0)
        case .ready(let decision):
            return Signature(available: true, isActive: decision.isActive, target: decision.target)
        }
    }

    struct Signature: Equatable {
        var available: Bool
        var isActive: Bool
        var target: Double
    }
}

/// Told about every status change of a trigger; the Prometheus gauges implement it.
public protocol TriggerObserver: Sendable {
    /// The trigger's status changed to `status`.
    func update(_ status: TriggerStatus)
    /// The trigger was evicted; drop anything kept for it.
    func release()
    /// KEDA asked about the trigger (any RPC).
    func requested()
    /// A predicting trigger found (or lost) a source of its target's ready replicas, the way it learns
    /// the capacity of one replica. Called when it changes.
    func replicaSource(available: Bool)
    /// The scale-down window of the HPA its ScaledObject makes and its `cooldownPeriod`, as read with its
    /// replicas, in seconds. Called when either changes.
    func scaledObjectSettings(scaleDownWindow: Int, cooldown: Int)
    /// The ready replicas of a predicting trigger's target, as read from the cluster. Called when the
    /// count changes.
    func readyReplicas(_ count: Int)
}

extension TriggerObserver {
    public func requested() {}
    public func replicaSource(available: Bool) {}
    public func scaledObjectSettings(scaleDownWindow: Int, cooldown: Int) {}
    public func readyReplicas(_ count: Int) {}
}
