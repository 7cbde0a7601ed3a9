/// Why a trigger's source cannot be read right now. Reported to KEDA as `UNAVAILABLE` (so that the
/// ScaledObject's `fallback` replicas apply instead of a made-up zero), or as `INVALID_ARGUMENT` for
/// ``Code/invalidConfiguration``.
public typealias SourceFailure = CodedError<SourceFailureDomain>

/// The domain of ``SourceFailure``'s codes.
public enum SourceFailureDomain {}

extension ErrorCode where Domain == SourceFailureDomain {
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
