/// Identifies a trigger: a ScaledObject's namespace and name plus the trigger's whole metadata map.
///
/// A ScaledObject may have several Prescale triggers, and editing one changes its metadata, so the
/// map is part of the key: a changed map is a new trigger, and the old one is evicted when idle.
public struct TriggerKey: Sendable, Hashable, CustomStringConvertible {
    /// The ScaledObject's namespace.
    public var namespace: String
    /// The ScaledObject's name.
    public var name: String
    /// The trigger's metadata, as KEDA sent it.
    public var metadata: [String: String]

    /// Creates a key.
    public init(namespace: String, name: String, metadata: [String: String]) {
        self.namespace = namespace
        self.name = name
        self.metadata = metadata
    }

    public var description: String { "\(self.namespace)/\(self.name)" }
}
