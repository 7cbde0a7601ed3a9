/// A `source: static` trigger: the value, target and activation threshold come from the metadata.
///
/// It reads nothing, so it is the honest way to check that KEDA, the HPA and Prescale are wired
/// together: a value of 25 with a target of 10 must give 3 replicas.
///
/// | key | rule |
/// |---|---|
/// | `value` | required, a number >= 0 |
/// | `target` | required, a number > 0 |
/// | `activationValue` | default 0, a number >= 0; active when `value > activationValue` |
public struct StaticSourceSpec: Sendable, Hashable {
    /// The value reported to KEDA.
    public var value: Double
    /// The target value per replica.
    public var target: Double
    /// The trigger is active when `value` is strictly greater than this.
    public var activationValue: Double

    /// Creates a spec.
    public init(value: Double, target: Double, activationValue: Double = 0) {
        self.value = value
        self.target = target
        self.activationValue = activationValue
    }

    /// Every key this source reads.
    public static let keys: Set<String> = ["source", "value", "target", "activationValue"]

    /// Parses the static source's keys.
    public init(metadata reader: MetadataReader) throws(MetadataError) {
        try reader.rejectLikelyTypos(knownKeys: Self.keys.union(TriggerSpec.commonKeys))
        self.value = try reader.double("value", default: nil, in: .nonNegative)
        self.target = try reader.double("target", default: nil, in: .positive)
        self.activationValue = try reader.double("activationValue", default: 0, in: .nonNegative)
    }
}
