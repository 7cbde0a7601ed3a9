/// How old a source's latest sample may be before it is no longer served as current (the trigger then
/// answers `UNAVAILABLE`): three sample intervals, and at least 5 s, so that one late sample or a short
/// disconnection keeps the last value but a source that has stopped is reported.
public enum Staleness {
    /// Sample intervals a value stays current.
    public static let intervals = 3
    /// The shortest bound, whatever the interval.
    public static let minimum: Duration = .seconds(5)

    /// The bound for a source sampled every `interval`.
    public static func bound(interval: Duration) -> Duration {
        max(interval * Self.intervals, Self.minimum)
    }

    /// The bound for a source sampled every `intervalSeconds`, in seconds.
    public static func bound(intervalSeconds: Double) -> Double {
        max(Double(Self.intervals) * intervalSeconds, Self.minimum.inSeconds)
    }
}
