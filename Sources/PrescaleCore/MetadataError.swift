/// A problem with a trigger's metadata map, reported to KEDA as `INVALID_ARGUMENT`.
///
/// The message always names the key, the bad value (when there is one) and what is allowed, because
/// KEDA copies it into the ScaledObject's events and that is where a platform engineer reads it.
///
/// ```swift
/// throw MetadataError(.invalidValue, key: "lagThreshold", value: "-1", allowed: "a number > 0")
/// // metadata key "lagThreshold": "-1" is not allowed; allowed: a number > 0
/// ```
public struct MetadataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is. New codes may be added; switch with a default.
    public typealias Code = ErrorCode<MetadataError>

    /// What kind of problem this is.
    public var code: Code
    /// The metadata key at fault.
    public var key: String
    /// The offending value, if the key was present.
    public var value: String?
    /// What the key accepts, in words a user can act on.
    public var allowed: String

    /// Creates an error for `key`.
    public init(_ code: Code, key: String, value: String? = nil, allowed: String) {
        self.code = code
        self.key = key
        self.value = value
        self.allowed = allowed
    }

    /// The human-readable message sent to KEDA.
    public var description: String {
        switch self.code {
        case .missingKey:
            return "metadata key \"\(self.key)\" is required; allowed: \(self.allowed)"
        case .unknownSource:
            return "metadata key \"\(self.key)\": \(Self.quote(self.value)) is not a known source; allowed: \(self.allowed)"
        case .suspectedTypo:
            return "metadata key \"\(self.key)\" is not a key of this source; did you mean \(self.allowed)?"
        case .conflict:
            return "metadata key \"\(self.key)\"\(self.value.map { ": \(Self.quote($0))" } ?? "") cannot be used here; \(self.allowed)"
        default:
            return "metadata key \"\(self.key)\": \(Self.quote(self.value)) is not allowed; allowed: \(self.allowed)"
        }
    }

    /// Quotes a user value for an error message, shortened so that a huge value cannot flood logs.
    private static func quote(_ value: String?) -> String {
        guard let value else { return "(absent)" }
        let limit = 64
        if value.count <= limit { return "\"\(value)\"" }
        return "\"\(value.prefix(limit))…\" (\(value.utf8.count) bytes)"
    }
}

extension ErrorCode where Domain == MetadataError {
    /// A required key is absent or empty.
    public static var missingKey: Self { Self("missing_key") }
    /// A key is present but its value is not allowed.
    public static var invalidValue: Self { Self("invalid_value") }
    /// The `source` key names a source this build does not know.
    public static var unknownSource: Self { Self("unknown_source") }
    /// An unknown key is so close to a known key that it is almost certainly a typo.
    public static var suspectedTypo: Self { Self("suspected_typo") }
    /// Two keys that are each valid cannot be used together.
    public static var conflict: Self { Self("conflict") }
}
