/// An MQTT topic filter, checked against the rules of MQTT 3.1.1 and 5.0 (section 4.7).
///
/// - `#` is allowed only as the whole last level (`sensors/#`, `#`).
/// - `+` is allowed only as a whole level (`sensors/+/temp`).
/// - No NUL characters, at most 65,535 bytes of UTF-8, not empty.
/// - Shared subscriptions (`$share/group/filter`) are refused: Prescale keeps its own private
///   subscription and must never take messages away from the workers' shared group.
public struct MQTTTopicFilter: Sendable, Hashable, CustomStringConvertible {
    /// The filter as given.
    public let rawValue: String

    /// Validates `rawValue`; the error names the `topic` key and what is wrong.
    public init(_ rawValue: String, key: String = "topic") throws(MetadataError) {
        let allowed =
            "an MQTT topic filter: \"#\" only as the last level, \"+\" only as a whole level, no NUL, "
            + "not a \"$share/…\" shared subscription"
        func refuse(_ why: String) -> MetadataError {
            MetadataError(.invalidValue, key: key, value: rawValue, allowed: "\(allowed) (\(why))")
        }
        guard !rawValue.isEmpty else { throw refuse("it is empty") }
        guard rawValue.utf8.count <= 65_535 else { throw refuse("it is longer than 65,535 bytes") }
        guard !rawValue.utf8.contains(0) else { throw refuse("it contains a NUL character") }
        if rawValue.hasPrefix("$share/") {
            throw refuse("give the filter without \"$share/<group>/\"; Prescale subscribes on its own")
        }
        let levels = rawValue.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#") && (level != "#" || index != levels.count - 1) {
                throw refuse("\"#\" must be the whole last level")
            }
            if level.contains("+") && level != "+" {
                throw refuse("\"+\" must be a whole level")
            }
        }
        self.rawValue = rawValue
    }

    /// Whether the filter contains `+` or `#`.
    public var hasWildcards: Bool {
        self.rawValue.utf8.contains(UInt8(ascii: "+")) || self.rawValue.utf8.contains(UInt8(ascii: "#"))
    }

    /// Whether a message published on `topic` is delivered to this filter (wildcards do not match
    /// topics that start with `$` at the first level, as the specification requires).
    public func matches(_ topic: String) -> Bool {
        let filterLevels = self.rawValue.split(separator: "/", omittingEmptySubsequences: false)
        let topicLevels = topic.split(separator: "/", omittingEmptySubsequences: false)
        if topic.hasPrefix("$"), let first = filterLevels.first, first == "+" || first == "#" { return false }
        var index = 0
        while index < filterLevels.count {
            let level = filterLevels[index]
            if level == "#" { return true }
            guard index < topicLevels.count else { return false }
            if level != "+" && level != topicLevels[index] { return false }
            index += 1
        }
        return index == topicLevels.count
    }

    public var description: String { self.rawValue }
}
