/// The code of one of Prescale's errors: a short, stable name that is safe as a metric label. `Domain` is
/// the error it belongs to, so one error's codes cannot be given to another. New codes may be added;
/// switch with a default.
public struct ErrorCode<Domain>: Sendable, Hashable, CustomStringConvertible {
    private let name: String

    /// The code named `name` (snake_case). Codes are defined beside their error, inside this package.
    package init(_ name: String) { self.name = name }

    /// The code's name.
    public var description: String { self.name }
}
