/// A bad flag, environment variable or config file entry for `prescale serve`. The message names
/// where the value came from and what is allowed; the process prints it and exits non-zero.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the value came from, as the user wrote it: `--grpc-address`, `PRESCALE_GRPC_ADDRESS`,
    /// `config file key "grpc-address"`.
    public var origin: String
    /// The offending value, if any.
    public var value: String?
    /// What is allowed.
    public var allowed: String

    /// Creates an error.
    public init(origin: String, value: String?, allowed: String) {
        self.origin = origin
        self.value = value
        self.allowed = allowed
    }

    public var description: String {
        if let value {
            return "\(self.origin): \"\(value.prefix(200))\" is not allowed; allowed: \(self.allowed)"
        }
        return "\(self.origin): \(self.allowed)"
    }
}
