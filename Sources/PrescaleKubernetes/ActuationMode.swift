import PrescaleCore

/// `--actuation`: what Prescale does with the cluster: nothing, read the targets' ready replicas (so that
/// predicting triggers learn what one replica consumes), or also scale targets up itself.
public enum ActuationMode: String, Sendable, Hashable, CaseIterable {
    /// The default: ``readOnly`` when Prescale finds a cluster (the pod's service account, or
    /// `--kubeconfig`), else ``disabled``. A cluster that is found but unusable is logged, not fatal.
    case auto
    /// No cluster access: predicting triggers learn no capacity (they answer with KEDA's value unless
    /// `messagesPerReplicaPerSecond` is given); `actuate: "true"` metadata is refused.
    case disabled
    /// Reads ScaledObjects and their targets' ready replicas, writes nothing; `actuate: "true"` metadata
    /// is refused.
    case readOnly = "read-only"
    /// Triggers with `actuate: "true"` have their targets patched up directly.
    case enabled
    /// Everything but the patch: reads the cluster, logs and counts what it would have patched.
    case dryRun = "dry-run"

    /// Whether triggers with `actuate: "true"` are served (their decisions reach an ``Actuator``).
    public var actuates: Bool { self == .enabled || self == .dryRun }
}

/// Whether this replica may actuate: the holder of the Lease, or always when leader election is off.
public protocol ActuationLeadership: Sendable {
    /// `true` while this replica holds the lease.
    var isLeader: Bool { get }
    /// Each gain (`true`) and loss (`false`) of leadership, after ``isLeader`` has changed. One consumer
    /// (the ``Actuator``) iterates it, so that a new leader acts at once on decisions made before it led.
    var changes: AsyncStream<Bool> { get }
}

extension ActuationLeadership {
    /// No changes: leadership that never changes.
    public var changes: AsyncStream<Bool> { AsyncStream { $0.finish() } }
}

/// Where triggers send their decisions for direct actuation: the ``Actuator``, or a test double.
public protocol ActuationDemands: Sendable {
    /// Records a trigger's latest decision. Never blocks.
    func submit(_ demand: ActuationDemand)
    /// Forgets a trigger (evicted or changed).
    func withdraw(_ key: ScaledObjectKey, trigger: String)
}

/// Leadership for a single replica, or for tests: always the leader.
public struct AlwaysLeader: ActuationLeadership {
    /// Creates the leadership.
    public init() {}
    public var isLeader: Bool { true }
}

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

/// Told what the actuator did, for metrics.
public protocol ActuatorObserver: Sendable {
    /// A patch succeeded, `latency` after the decision it acted on.
    func patched(_ key: ScaledObjectKey, replicas: Int, latency: Duration)
    /// Dry run: a patch that would have been sent.
    func wouldPatch(_ key: ScaledObjectKey, replicas: Int)
    /// A call to the API failed.
    func failed(_ key: ScaledObjectKey, code: KubernetesError.Code)
    /// A decision did not become a patch.
    func skipped(_ key: ScaledObjectKey, reason: ActuationSkipReason)
    /// The latest known current and desired replicas.
    func replicas(_ key: ScaledObjectKey, current: Int, desired: Int)
    /// No trigger asks for this target any more; drop its series.
    func released(_ key: ScaledObjectKey)
}
