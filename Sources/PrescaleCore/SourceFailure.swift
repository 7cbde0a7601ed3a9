/// Why a trigger's source cannot be read right now. Reported to KEDA as `UNAVAILABLE` (so that the
/// ScaledObject's `fallback` replicas apply instead of a made-up zero), or as `INVALID_ARGUMENT` for
/// ``Code/invalidConfiguration``.
public struct SourceFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a default.
    public typealias Code = ErrorCode<SourceFailure>

    /// The kind of failure.
    public var code: Code
    /// What went wrong, for the operator.
    public var message: String

    /// Creates a failure.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}

extension ErrorCode where Domain == SourceFailure {
    /// No sample has arrived yet since the trigger was first seen.
    public static var noSampleYet: Self { Self("no_sample_yet") }
    /// The latest sample is older than the source's staleness bound.
    public static var stale: Self { Self("stale") }
    /// The broker or server could not be reached.
    public static var unreachable: Self { Self("unreachable") }
    /// The broker refused the credentials.
    public static var authenticationFailed: Self { Self("authentication_failed") }
    /// The trigger's settings point at something that does not exist (a Kafka topic): answered as
    /// `INVALID_ARGUMENT`, because retrying will not help.
    public static var invalidConfiguration: Self { Self("invalid_configuration") }
    /// The source produced a value that cannot be encoded (NaN).
    public static var invalidValue: Self { Self("invalid_value") }
    /// Any other source error.
    public static var other: Self { Self("other") }
}
