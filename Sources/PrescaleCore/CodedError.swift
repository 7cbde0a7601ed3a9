/// An error that is a code and a message an operator can act on: ``SourceFailure``, and the Kafka and
/// MQTT clients' errors. `Domain` names which error it is (an empty enum beside it), so that one error's
/// codes cannot be given to another; the codes are defined beside each error, in an extension of
/// ``ErrorCode`` on its domain. Errors that carry more (a context, a gRPC mapping) are structs of their own.
public struct CodedError<Domain>: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a default.
    public typealias Code = ErrorCode<Domain>

    /// The kind of failure.
    public var code: Code
    /// What went wrong, for the operator (naming the broker, topic or setting at fault).
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}
