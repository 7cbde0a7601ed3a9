/// Where an MQTT broker listens: `mqtt://host:port` or `mqtts://host:port` (`brokerAddress`).
public struct MQTTBrokerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port; 1883 for `mqtt://` and 8883 for `mqtts://` when omitted.
    public var port: Int
    /// Whether the connection uses TLS (`mqtts://`).
    public var usesTLS: Bool

    /// Creates an address.
    public init(host: String, port: Int, usesTLS: Bool) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Parses `mqtt://host[:port]` or `mqtts://host[:port]`; IPv6 hosts go in brackets.
    public init(parsing text: String, key: String = "brokerAddress") throws(MetadataError) {
        let allowed = "\"mqtt://host:port\" or \"mqtts://host:port\" (port 1 to 65535; IPv6 in brackets)"
        let invalid = MetadataError(.invalidValue, key: key, value: text, allowed: allowed)
        let usesTLS: Bool
        let rest: Substring
        if text.hasPrefix("mqtt://") {
            usesTLS = false
            rest = text.dropFirst("mqtt://".count)
        } else if text.hasPrefix("mqtts://") {
            usesTLS = true
            rest = text.dropFirst("mqtts://".count)
        } else {
            throw invalid
        }
        // A trailing slash is harmless; a path, credentials or a query are not what this key is for.
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@"), !authority.contains("?") else {
            throw invalid
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw invalid }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty, !host.contains(" ") else { throw invalid }
        var port = usesTLS ? 8883 : 1883
        if let portText {
            guard let parsed = Int(portText), (1...65_535).contains(parsed) else { throw invalid }
            port = parsed
        }
        self.init(host: String(host), port: port, usesTLS: usesTLS)
    }

    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(self.usesTLS ? "mqtts" : "mqtt")://\(host):\(self.port)"
    }
}
