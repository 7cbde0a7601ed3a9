/// Why a trigger's source cannot be read right now. Reported to KEDA as `UNAVAILABLE` (so that the
/// ScaledObject's `fallback` replicas apply instead of a made-up zero), or as `INVALID_ARGUMENT` for
/// ``Code/invalidConfiguration``.
public struct SourceFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a default.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No sample has arrived yet since the trigger was first seen.
        public static let noSampleYet = Code("no_sample_yet")
        /// The latest sample is older than the source's staleness bound.
        public static let stale = Code("stale")
        /// The broker or server could not be reached.
        public static let unreachable = Code("unreachable")
        /// The broker refused the credentials.
        public static let authenticationFailed = Code("authentication_failed")
        /// The trigger's settings point at something that does not exist (a Kafka topic): answered as
        /// `INVALID_ARGUMENT`, because retrying will not help.
        public static let invalidConfiguration = Code("invalid_configuration")
        /// The source produced a value that cannot be encoded (NaN).
        public static let invalidValue = Code("invalid_value")
        /// Any other source error.
        public static let other = Code("other")

        /// A short, stable name that is safe as a metric label.
        public var description: String { self.name }
    }

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
