/// The one conversion between `Duration` and the other two time units Prescale uses.
///
/// Time in Prescale: configuration, timeouts and intervals at module boundaries are `Duration`. Points in
/// time are seconds since the process started as `Double` (``MonotonicTime``, ``MetricSample/time``),
/// because all model math (rates, forecasts, lead times) is in seconds. Where a time must fit an atomic
/// (last-access stamps) it is nanoseconds as `Int64`. Conversions are written here and nowhere else.
extension Duration {
    /// The duration in seconds, as a `Double` (attosecond precision rounded to a double).
    public var inSeconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// The duration in whole nanoseconds, truncated.
    public var inNanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
