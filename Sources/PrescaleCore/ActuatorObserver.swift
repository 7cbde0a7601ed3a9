/// Told what the actuator did, for metrics.
public protocol ActuatorObserver: Sendable {
    /// A patch succeeded, `latency` after the decision it acted on.
    func patched(_ key: ScaledObjectKey, replicas: Int, latency: Duration)
    /// Dry run: a patch that would have been sent.
    func wouldPatch(_ key: ScaledObjectKey, replicas: Int)
    /// A call to the API failed; `code` names the error (`forbidden`, `not_found`, `unreachable`, …).
    func failed(_ key: ScaledObjectKey, code: String)
    /// A decision did not become a patch.
    func skipped(_ key: ScaledObjectKey, reason: ActuationSkipReason)
    /// The latest known current and desired replicas.
    func replicas(_ key: ScaledObjectKey, current: Int, desired: Int)
    /// No trigger asks for this target any more; drop its series.
    func released(_ key: ScaledObjectKey)
}
