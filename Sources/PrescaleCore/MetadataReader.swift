/// Reads typed values out of a trigger's metadata map, producing a ``MetadataError`` that names the key,
/// the value and what is allowed for anything it cannot accept.
///
/// KEDA forwards every key of a trigger's `metadata`, including its own (`scalerAddress`, …), so unknown
/// keys are tolerated. A key that is *almost* one this source knows (same letters in another case, or one
/// or two edits away) is refused by ``rejectLikelyTypos(knownKeys:)``: a silent default for a typo such
/// as `activationValu` would be worse than an error.
public struct MetadataReader: Sendable {
    /// The raw map, as KEDA sent it.
    public let metadata: [String: String]

    /// Creates a reader over `metadata`.
    public init(_ metadata: [String: String]) {
        self.metadata = metadata
    }

    /// The value of `key` with surrounding whitespace trimmed, or `nil` when the key is absent or blank.
    public func string(_ key: String) -> String? {
        guard let raw = self.metadata[key] else { return nil }
        let trimmed = raw.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The value of `key`, or a ``MetadataError/Code/missingKey`` error describing what is allowed.
    public func requiredString(_ key: String, allowed: String) throws(MetadataError) -> String {
        guard let value = self.string(key) else {
            throw MetadataError(.missingKey, key: key, allowed: allowed)
        }
        return value
    }

    /// A finite number from `key`, checked against `range`; `defaultValue` when absent.
    public func double(
        _ key: String,
        default defaultValue: Double?,
        in range: NumberRange
    ) throws(MetadataError) -> Double {
        guard let text = self.string(key) else {
            if let defaultValue { return defaultValue }
            throw MetadataError(.missingKey, key: key, allowed: range.description)
        }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw MetadataError(.invalidValue, key: key, value: self.metadata[key], allowed: range.description)
        }
        return value
    }

    /// A whole number from `key`, checked against `range`; `defaultValue` when absent.
    public func integer(
        _ key: String,
        default defaultValue: Int?,
        in range: ClosedRange<Int>
    ) throws(MetadataError) -> Int {
        let allowed = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let text = self.string(key) else {
            if let defaultValue { return defaultValue }
            throw MetadataError(.missingKey, key: key, allowed: allowed)
        }
        guard let value = Int(text), range.contains(value) else {
            throw MetadataError(.invalidValue, key: key, value: self.metadata[key], allowed: allowed)
        }
        return value
    }

    /// A boolean from `key` (`true`/`false`, any case, as Go's `strconv.ParseBool` also accepts
    /// `1`, `0`, `t`, `f`); `defaultValue` when absent.
    public func bool(_ key: String, default defaultValue: Bool) throws(MetadataError) -> Bool {
        guard let text = self.string(key) else { return defaultValue }
        switch text {
        case "true", "TRUE", "True", "t", "T", "1": return true
        case "false", "FALSE", "False", "f", "F", "0": return false
        default:
            throw MetadataError(.invalidValue, key: key, value: self.metadata[key], allowed: "\"true\" or \"false\"")
        }
    }

    /// One of `choices` from `key` (exact match after trimming); `defaultValue` when absent.
    public func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
        _ key: String,
        default defaultValue: Choice?
    ) throws(MetadataError) -> Choice where Choice.RawValue == String {
        let allowed = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let text = self.string(key) else {
            if let defaultValue { return defaultValue }
            throw MetadataError(.missingKey, key: key, allowed: "one of \(allowed)")
        }
        guard let value = Choice(rawValue: text) else {
            throw MetadataError(.invalidValue, key: key, value: self.metadata[key], allowed: "one of \(allowed)")
        }
        return value
    }

    /// The suffix KEDA keeps on a key whose value it resolved from the scale target's environment: for an
    /// external scaler it sends `bootstrapServersFromEnv` with the resolved value, not `bootstrapServers`
    /// (kedacore/keda `pkg/scalers/external_scaler.go`).
    public static let fromEnvSuffix = "FromEnv"

    /// A reader in which each of `keys` may also be given as `<key>FromEnv`, read as the plain key.
    ///
    /// - Throws: ``MetadataError/Code/conflict`` naming `<key>FromEnv` when both forms are present.
    public func resolvingFromEnv(_ keys: [String]) throws(MetadataError) -> MetadataReader {
        var folded = self.metadata
        for key in keys {
            let fromEnv = key + Self.fromEnvSuffix
            guard let value = self.string(fromEnv) else { continue }
            if self.string(key) != nil {
                throw MetadataError(.conflict, key: fromEnv, allowed: "give \"\(key)\" or \"\(fromEnv)\", not both")
            }
            folded[key] = value
        }
        return MetadataReader(folded)
    }

    /// Refuses keys that look like misspellings of `knownKeys`.
    ///
    /// A key counts as a likely typo when it is not known but matches a known key ignoring case, or is
    /// at most two edits from one (for keys of five or more characters). Keys KEDA itself sends are never
    /// flagged.
    public func rejectLikelyTypos(knownKeys: Set<String>) throws(MetadataError) {
        for key in self.metadata.keys.sorted() where !knownKeys.contains(key) && !Self.kedaKeys.contains(key) {
            let folded = key.lowercased()
            for known in knownKeys.sorted() {
                let knownFolded = known.lowercased()
                let close =
                    folded == knownFolded
                    || (known.count >= 5 && EditDistance.atMost(2, folded, knownFolded))
                if close {
                    throw MetadataError(.suspectedTypo, key: key, value: self.metadata[key], allowed: "\"\(known)\"")
                }
            }
        }
    }

    /// Keys that KEDA adds to or keeps in an external trigger's metadata for its own use.
    public static let kedaKeys: Set<String> = [
        "scalerAddress", "enableTLS", "caCert", "tlsClientCert", "tlsClientKey", "unsafeSsl", "tlsCertFile",
        "metricType", "useCachedMetrics",
    ]
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = self.firstIndex(where: { !isSpace($0) }),
            let last = self.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
