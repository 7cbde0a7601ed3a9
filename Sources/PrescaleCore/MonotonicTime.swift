/// Seconds on a monotonic clock since the process started; the time base of every ``MetricSample``
/// the server produces.
public enum MonotonicTime {
    private static let origin = ContinuousClock.now

    /// The current time in seconds since the origin.
    public static func now() -> Double {
        (ContinuousClock.now - origin).inSeconds
    }
}
