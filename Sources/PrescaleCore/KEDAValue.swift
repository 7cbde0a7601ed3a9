/// A metric value encoded for KEDA's `MetricValue` / `MetricSpec` fields.
///
/// KEDA reads `metricValueFloat` and falls back to the deprecated int field when the float is 0 or
/// less, and it turns NaN, infinity and negative values into 0. So both fields are always filled, and
/// the value is made finite and non-negative here, before it reaches the wire.
public struct KEDAValue: Sendable, Hashable {
    /// The float field (`metricValueFloat`, `targetSizeFloat`).
    public var float: Double
    /// The deprecated int field (`metricValue`, `targetSize`): the float rounded up, so that an older
    /// KEDA never under-scales.
    public var integer: Int64

    /// The largest value sent. Far beyond any real backlog; keeps the int field in range.
    public static let maximum: Double = 1e15

    /// Encodes `value`. Negative values become 0, values above ``maximum`` are clamped, and `nil` is
    /// returned for NaN, which has no meaningful encoding and must be reported as a source error.
    public init?(_ value: Double) {
        if value.isNaN { return nil }
        let clamped = min(max(value, 0), Self.maximum)
        self.float = clamped
        self.integer = Int64(clamped.rounded(.up))
    }
}
