/// `--allowed-brokers`: host patterns and CIDRs a broker address must match.
///
/// | entry | matches |
/// |---|---|
/// | `kafka.shop.svc` | exactly that host name (case-insensitive) |
/// | `*.kafka.svc.cluster.local` | any host name ending in `.kafka.svc.cluster.local` (one or more labels before it) |
/// | `10.0.0.0/8`, `fd00::/8` | an IP address literal inside the network |
/// | `192.168.1.10` | exactly that address |
///
/// A host name is allowed only by a host pattern, an IP literal only by an address or CIDR: host names are
/// not resolved for the check, so a name cannot smuggle in an address the list does not name.
public struct BrokerAllowlist: Sendable, Hashable, CustomStringConvertible {
    enum Entry: Sendable, Hashable {
        case exact(String)
        case suffix(String)
        case network(IPAddress, prefix: Int)
    }

    let entries: [Entry]
    /// The list as given, for messages.
    public let text: String

    /// Parses a comma-separated list.
    ///
    /// - Throws: ``MetadataError`` (key `--allowed-brokers`) naming the entry that is neither a host pattern
    ///   nor a CIDR.
    public init(_ text: String) throws(MetadataError) {
        var entries: [Entry] = []
        for raw in text.split(separator: ",") {
            let entry = Self.trimmed(raw).lowercased()
            guard !entry.isEmpty else { continue }
            if let slash = entry.firstIndex(of: "/") {
                guard let address = IPAddress(String(entry[..<slash])), let prefix = Int(entry[entry.index(after: slash)...]),
                    prefix >= 0, prefix <= address.bits
                else {
                    throw MetadataError(
                        .invalidValue, key: "--allowed-brokers", value: entry,
                        allowed: "host names, *.suffix patterns, IP addresses and CIDRs such as 10.0.0.0/8")
                }
                entries.append(.network(address, prefix: prefix))
            } else if let address = IPAddress(entry) {
                entries.append(.network(address, prefix: address.bits))
            } else if entry.hasPrefix("*."), Self.isHostName(String(entry.dropFirst(2))) {
                entries.append(.suffix(String(entry.dropFirst(1))))
            } else if Self.isHostName(entry) {
                entries.append(.exact(entry))
            } else {
                throw MetadataError(
                    .invalidValue, key: "--allowed-brokers", value: entry,
                    allowed: "host names, *.suffix patterns, IP addresses and CIDRs such as 10.0.0.0/8")
            }
        }
        guard !entries.isEmpty else {
            throw MetadataError(.invalidValue, key: "--allowed-brokers", value: text, allowed: "at least one host pattern or CIDR")
        }
        self.entries = entries
        self.text = entries.map { entry in
            switch entry {
            case .exact(let host): return host
            case .suffix(let suffix): return "*\(suffix)"
            case .network(let address, let prefix): return "\(address)/\(prefix)"
            }
        }.joined(separator: ",")
    }

    public var description: String { self.text }

    /// Whether `host` (a name or an IP literal, IPv6 with or without brackets) may be dialled.
    public func allows(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        if let address = IPAddress(host) {
            return self.entries.contains { entry in
                if case .network(let network, let prefix) = entry { return network.contains(address, prefix: prefix) }
                return false
            }
        }
        return self.entries.contains { entry in
            switch entry {
            case .exact(let name): return host == name
            case .suffix(let suffix): return host.hasSuffix(suffix) && host.count > suffix.count
            case .network: return false
            }
        }
    }

    /// The host of `host:port` (`[v6]:port`, or a bare host).
    public static func host(ofHostPort text: String) -> String {
        let trimmed = Self.trimmed(Substring(text))
        if trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") {
            return String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
        }
        if trimmed.filter({ $0 == ":" }).count == 1, let colon = trimmed.firstIndex(of: ":") {
            return String(trimmed[..<colon])
        }
        return trimmed
    }

    static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
        }
    }
}

/// An IPv4 or IPv6 address as 4 or 16 bytes, parsed without any system call.
struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    let bytes: [UInt8]
    var bits: Int { self.bytes.count * 8 }

    init?(_ text: String) {
        if text.contains(":") {
            guard let bytes = Self.parseIPv6(text) else { return nil }
            self.bytes = bytes
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var bytes: [UInt8] = []
            for part in parts {
                guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isNumber), let value = UInt8(part) else { return nil }
                bytes.append(value)
            }
            self.bytes = bytes
        }
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    func contains(_ other: IPAddress, prefix: Int) -> Bool {
        guard other.bytes.count == self.bytes.count else { return false }
        var remaining = prefix
        for index in self.bytes.indices where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - take))
            if self.bytes[index] & mask != other.bytes[index] & mask { return false }
            remaining -= take
        }
        return true
    }

    var description: String {
        if self.bytes.count == 4 { return self.bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(self.bytes[$0]) << 8 | UInt16(self.bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
