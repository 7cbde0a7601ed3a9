import PrescaleCore

/// What one MQTT connection looks like right now, for `/metrics`.
public struct MQTTBrokerSnapshot: Sendable, Hashable {
    /// The broker address and user (never the password): the `broker` label.
    public var broker: String
    /// Whether the connection is up.
    public var connected: Bool
    /// Messages counted so far, by topic filter.
    public var messagesByFilter: [String: UInt64]
    /// The broker-wide backlog, when `$SYS` statistics are read and current.
    public var backlog: Double?
    /// The broker's own count of dropped publishes, when `$SYS` statistics are read and current.
    public var dropped: Double?
}

extension MQTTConnection {
    /// The connection's state for metrics.
    public func snapshot(at now: Double = MonotonicTime.now()) -> MQTTBrokerSnapshot {
        self.state.withLock { state in
            let connected = if case .connected = state.status { true } else { false }
            let current = state.sysReaders > 0 && state.sys.isCurrent(at: now)
            return MQTTBrokerSnapshot(
                broker: self.settings.description,
                connected: connected,
                messagesByFilter: state.filters.mapValues { $0.counter.total },
                backlog: current ? state.sys.backlog(at: now) : nil,
                dropped: current ? state.sys.dropped : nil
            )
        }
    }
}

/// Reports each live broker connection's state (the `/metrics` broker series read it at each scrape).
public protocol BrokerSnapshots: Sendable {
    /// Every live connection's state.
    func snapshots() -> [MQTTBrokerSnapshot]
}

extension MQTTConnectionPool: BrokerSnapshots {
    /// Every live connection's state, for metrics.
    public func snapshots() -> [MQTTBrokerSnapshot] {
        self.liveConnections.map { $0.snapshot() }
    }
}
