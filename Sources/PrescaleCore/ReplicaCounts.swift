/// Where a trigger finds its target's current replica count, so that its planner can learn what one
/// replica consumes. Answers from memory.
public protocol ReplicaCounts: Sendable {
    /// The target's ready replicas as last read, if known.
    func replicas(of key: ScaledObjectKey) -> Int?
    /// Says that a trigger of `key` has a backlog now: its replicas are worth reading.
    func wanted(_ key: ScaledObjectKey)
    /// Why the target's replicas cannot be read (the last read failed), or `nil` when they can or have
    /// not been read yet.
    func problem(of key: ScaledObjectKey) -> String?
    /// The scale-down stabilisation window of the HPA the ScaledObject makes, as last read, if known.
    func scaleDownWindow(of key: ScaledObjectKey) -> Int?
    /// The ScaledObject's `cooldownPeriod`, as last read, if known.
    func cooldown(of key: ScaledObjectKey) -> Int?
}

extension ReplicaCounts {
    /// No problems: a source that cannot fail.
    public func problem(of key: ScaledObjectKey) -> String? { nil }
    /// Not known: a source that does not read ScaledObjects.
    public func scaleDownWindow(of key: ScaledObjectKey) -> Int? { nil }
    /// Not known: a source that does not read ScaledObjects.
    public func cooldown(of key: ScaledObjectKey) -> Int? { nil }
}
