/// The broker-wide backlog signal of mosquitto, cached from its `$SYS` topics.
///
/// mosquitto publishes `$SYS` values every `sys_interval` (default 10 s), and only the ones that
/// changed, as retained messages with an expiry. So the values are cached from one long-lived
/// subscription, and `$SYS/broker/uptime`, which changes every interval, is the heartbeat that says the
/// cache is current. When the heartbeat stops for longer than the staleness bound the backlog is
/// unknown (`nil`), never zero.
///
/// Backlog = `$SYS/broker/store/messages/count` − `$SYS/broker/retained messages/count`: the messages
/// held for offline or slow persistent sessions (and in flight). It is broker-wide and approximate:
/// it cannot be attributed to one topic.
public struct MosquittoSysStatistics: Sendable, Hashable {
    /// The topics read, exactly as mosquitto names them (one contains a space).
    public enum Topic {
        public static let storeCount = "$SYS/broker/store/messages/count"
        public static let retainedCount = "$SYS/broker/retained messages/count"
        public static let dropped = "$SYS/broker/publish/messages/dropped"
        public static let uptime = "$SYS/broker/uptime"
        /// Every topic above.
        public static let all = [storeCount, retainedCount, dropped, uptime]
    }

    /// The heartbeat interval assumed until two heartbeats have been seen: mosquitto's default
    /// `sys_interval`.
    public static let defaultInterval: Double = 10

    /// Messages in the broker's store.
    public private(set) var storeCount: Double?
    /// Retained messages (part of the store, but not a backlog).
    public private(set) var retainedCount: Double?
    /// Messages the broker dropped (queue limits): growth means messages are being lost.
    public private(set) var dropped: Double?
    /// When the latest `$SYS` message of any kind arrived.
    public private(set) var lastUpdate: Double?
    /// The observed heartbeat interval (uptime to uptime), smoothed.
    public private(set) var interval: Double = Self.defaultInterval
    private var lastHeartbeat: Double?
    private var heartbeatsObserved = 0

    /// Creates an empty cache.
    public init() {}

    /// Applies one `$SYS` message; returns `false` for a topic it does not read or a payload that is not
    /// a number (those are ignored).
    @discardableResult
    public mutating func apply(topic: String, payload: String, at time: Double) -> Bool {
        switch topic {
        case Topic.uptime:
            if let last = self.lastHeartbeat, time > last {
                let observed = time - last
                self.interval = self.heartbeatsObserved == 0 ? observed : 0.7 * self.interval + 0.3 * observed
                self.heartbeatsObserved += 1
            }
            self.lastHeartbeat = time
        case Topic.storeCount, Topic.retainedCount, Topic.dropped:
            guard let value = Double(payload.trimmingWhitespace()), value.isFinite, value >= 0 else { return false }
            switch topic {
            case Topic.storeCount: self.storeCount = value
            case Topic.retainedCount: self.retainedCount = value
            default: self.dropped = value
            }
        default:
            return false
        }
        self.lastUpdate = time
        return true
    }

    /// How long after the last heartbeat the values stop being current (``Staleness``: three heartbeat
    /// intervals, at least 5 s).
    public var staleAfter: Double { Staleness.bound(intervalSeconds: self.interval) }

    /// Whether the cache has been refreshed within the staleness bound.
    public func isCurrent(at now: Double) -> Bool {
        guard let last = self.lastUpdate else { return false }
        return now - last <= self.staleAfter
    }

    /// The backlog at `now`, or `nil` when unknown (never seen, or stale). Never negative: the two
    /// counts are published at slightly different moments.
    public func backlog(at now: Double) -> Double? {
        guard self.isCurrent(at: now), let store = self.storeCount, let retained = self.retainedCount else { return nil }
        return max(store - retained, 0)
    }

    /// Forgets the values (after a reconnect the broker sends its retained `$SYS` messages again).
    public mutating func reset() {
        self = MosquittoSysStatistics()
    }
}
