/// What one broker connection looks like right now, for `/metrics` (MQTT connections report it).
public struct BrokerSnapshot: Sendable, Hashable {
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

    /// Creates a snapshot.
    public init(broker: String, connected: Bool, messagesByFilter: [String: UInt64], backlog: Double?, dropped: Double?) {
        self.broker = broker
        self.connected = connected
        self.messagesByFilter = messagesByFilter
        self.backlog = backlog
        self.dropped = dropped
    }
}

/// Reports each live broker connection's state (the `/metrics` broker series read it at each scrape).
public protocol BrokerSnapshots: Sendable {
    /// Every live connection's state.
    func snapshots() -> [BrokerSnapshot]
}
