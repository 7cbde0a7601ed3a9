/// The metric sources this build of Prescale can read, chosen by the `source` metadata key.
public enum SourceKind: String, Sendable, Hashable, CaseIterable {
    /// A fixed value from the metadata itself, for smoke tests of the KEDA wiring.
    case `static`

    /// The metadata key that selects the source.
    public static let metadataKey = "source"
}
