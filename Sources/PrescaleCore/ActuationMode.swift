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
