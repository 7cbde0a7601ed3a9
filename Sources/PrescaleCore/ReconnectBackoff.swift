/// Delays between reconnect attempts: `initial`, doubling after each failed attempt up to `maximum`,
/// back to `initial` after a connection that worked.
public struct ReconnectBackoff: Sendable, Hashable {
    /// The first delay. MQTT default: 1 s.
    public let initial: Duration
    /// The longest delay. MQTT default: 60 s.
    public let maximum: Duration
    private var current: Duration

    /// Creates a backoff that starts at `initial`.
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.current = initial
    }

    /// The delay before the next attempt; the one after it doubles (up to the maximum).
    public mutating func next() -> Duration {
        defer { self.current = min(self.current * 2, self.maximum) }
        return self.current
    }

    /// A connection worked: the next delay is `initial` again.
    public mutating func reset() {
        self.current = self.initial
    }
}
