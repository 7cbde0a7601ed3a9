/// The metric sources this build of Prescale can read, chosen by the `source` metadata key.
public enum SourceKind: String, Sendable, Hashable, CaseIterable {
    /// A fixed value from the metadata itself, for smoke tests of the KEDA wiring.
    case `static`
    /// Consumer-group lag, with the keys and rules of KEDA's own `kafka` trigger.
    case kafka
    /// Message arrival rate (and optionally the broker's backlog) from an MQTT broker.
    case mqtt

    /// The metadata key that selects the source.
    public static let metadataKey = "source"
}
