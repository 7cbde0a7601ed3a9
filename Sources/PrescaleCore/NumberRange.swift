/// The numbers a metadata key accepts, with a description used in error messages.
public struct NumberRange: Sendable, Hashable, CustomStringConvertible {
    /// The smallest accepted value, if any.
    public var lowerBound: Double?
    /// Whether `lowerBound` itself is accepted.
    public var lowerInclusive: Bool
    /// The largest accepted value, if any (always inclusive).
    public var upperBound: Double?

    /// Creates a range.
    public init(lowerBound: Double?, lowerInclusive: Bool, upperBound: Double? = nil) {
        self.lowerBound = lowerBound
        self.lowerInclusive = lowerInclusive
        self.upperBound = upperBound
    }

    /// Numbers strictly greater than zero.
    public static let positive = NumberRange(lowerBound: 0, lowerInclusive: false)
    /// Zero and every number above it.
    public static let nonNegative = NumberRange(lowerBound: 0, lowerInclusive: true)

    /// Numbers from `lower` to `upper`, both included.
    public static func between(_ lower: Double, _ upper: Double) -> NumberRange {
        NumberRange(lowerBound: lower, lowerInclusive: true, upperBound: upper)
    }

    /// Whether `value` is accepted.
    public func contains(_ value: Double) -> Bool {
        if let lowerBound {
            if self.lowerInclusive ? value < lowerBound : value <= lowerBound { return false }
        }
        if let upperBound, value > upperBound { return false }
        return true
    }

    /// For example `a number > 0` or `a number from 1 to 3600`.
    public var description: String {
        switch (self.lowerBound, self.upperBound) {
        case (let lower?, let upper?) where !self.lowerInclusive:
            return "a number > \(Self.format(lower)) and <= \(Self.format(upper))"
        case (let lower?, let upper?):
            return "a number from \(Self.format(lower)) to \(Self.format(upper))"
        case (let lower?, nil):
            return "a number \(self.lowerInclusive ? ">=" : ">") \(Self.format(lower))"
        case (nil, let upper?):
            return "a number <= \(Self.format(upper))"
        case (nil, nil):
            return "a finite number"
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
