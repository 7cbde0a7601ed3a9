import PrescaleCore

extension MQTTConnection {
    /// The connection's state for metrics.
    public func snapshot(at now: Double = MonotonicTime.now()) -> BrokerSnapshot {
        self.state.withLock { state in
            let connected = if case .connected = state.status { true } else { false }
            let current = state.sysReaders > 0 && state.sys.isCurrent(at: now)
            return BrokerSnapshot(
                broker: self.settings.description,
                connected: connected,
                messagesByFilter: state.filters.mapValues { $0.counter.total },
                backlog: current ? state.sys.backlog(at: now) : nil,
                dropped: current ? state.sys.dropped : nil
            )
        }
    }
}

extension MQTTConnectionPool: BrokerSnapshots {
    /// Every live connection's state, for metrics.
    public func snapshots() -> [BrokerSnapshot] {
        self.liveConnections.map { $0.snapshot() }
    }
}
