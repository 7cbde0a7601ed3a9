import PrescaleCore

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

/// Leadership for a single replica, or for tests: always the leader.
public struct AlwaysLeader: ActuationLeadership {
    /// Creates the leadership.
    public init() {}
    public var isLeader: Bool { true }
}
