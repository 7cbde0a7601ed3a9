import PrescaleCore

/// An error answered to KEDA, with the gRPC status it maps to.
///
/// - `invalidArgument`: the trigger's metadata or the request is wrong; KEDA shows the message in the
///   ScaledObject's events and retrying will not help.
/// - `unavailable`: the source cannot be read right now; KEDA's `fallback` replicas apply.
/// - `resourceExhausted`: a server limit was reached.
public struct ScalerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of error. New codes may be added; switch with a default.
    public typealias Code = ErrorCode<ScalerError>

    /// The kind of error.
    public var code: Code
    /// The message for the operator.
    public var message: String
    /// The underlying cause, if any.
    public var metadataError: MetadataError?
    /// The source failure behind an `unavailable` error, if any.
    public var sourceFailure: SourceFailure?

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The error for bad trigger metadata.
    public static func invalidMetadata(_ error: MetadataError) -> ScalerError {
        var result = ScalerError(.invalidArgument, error.description)
        result.metadataError = error
        return result
    }

    /// The error for a source that cannot be read.
    public static func unavailable(_ failure: SourceFailure) -> ScalerError {
        let code: Code = failure.code == .invalidConfiguration ? .invalidArgument : .unavailable
        var result = ScalerError(code, failure.message)
        result.sourceFailure = failure
        return result
    }

    public var description: String { "\(self.code): \(self.message)" }
}

extension ErrorCode where Domain == ScalerError {
    /// Bad metadata or a bad request.
    public static var invalidArgument: Self { Self("invalid_argument") }
    /// The source cannot be read, or the server is shutting down.
    public static var unavailable: Self { Self("unavailable") }
    /// A server-side limit was reached.
    public static var resourceExhausted: Self { Self("resource_exhausted") }
}
