/// Identifies a ScaledObject: the actuator's unit of work, since the HPA it drives takes the largest
/// of its triggers' counts.
public struct ScaledObjectKey: Sendable, Hashable, CustomStringConvertible {
    /// The namespace.
    public var namespace: String
    /// The name.
    public var name: String

    /// Creates a key.
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public var description: String { "\(self.namespace)/\(self.name)" }
}
