/// What a ScaledObject may make Prescale do on its behalf: which credential files it may name and which
/// brokers it may dial. ScaledObjects are written by many teams, so every metadata map is untrusted.
///
/// - `credentialsDirectory` (`--credentials-dir`): file keys (`ca`, `cert`, `key`) are names resolved under
///   `<dir>/<namespace>/`, so one namespace can never use another's credentials; absolute paths and `..` are
///   refused.
/// - `allowedBrokers` (`--allowed-brokers`): when set, a broker whose host matches no entry is refused, so a
///   ScaledObject cannot make Prescale probe the internal network.
///
/// ```swift
/// let policy = TenantPolicy(credentialsDirectory: "/etc/prescale/credentials", allowedBrokers: try BrokerAllowlist("*.kafka.svc,10.0.0.0/8"))
/// let spec = try policy.apply(to: try TriggerSpec(metadata: metadata), namespace: "shop")
/// ```
public struct TenantPolicy: Sendable, Hashable {
    /// `--credentials-dir`; `nil` (the default) keeps file keys as paths, for single-tenant use.
    public var credentialsDirectory: String?
    /// `--allowed-brokers`; `nil` (the default) allows every broker.
    public var allowedBrokers: BrokerAllowlist?

    /// Creates a policy; the defaults allow everything, as before multi-tenancy.
    public init(credentialsDirectory: String? = nil, allowedBrokers: BrokerAllowlist? = nil) {
        self.credentialsDirectory = credentialsDirectory.map { $0.hasSuffix("/") && $0.count > 1 ? String($0.dropLast()) : $0 }
        self.allowedBrokers = allowedBrokers
    }

    /// The spec with credential names resolved for `namespace`, after checking its brokers.
    ///
    /// - Throws: ``MetadataError`` naming the key and the flag that refuses it.
    public func apply(to spec: TriggerSpec, namespace: String) throws(MetadataError) -> TriggerSpec {
        var spec = spec
        switch spec.source {
        case .static:
            break
        case .kafka(var kafka):
            for server in kafka.bootstrapServers {
                try self.checkBroker(host: BrokerAllowlist.host(ofHostPort: server), key: "bootstrapServers", value: server)
            }
            if var tls = kafka.tls {
                (tls.ca, tls.cert, tls.key) = try self.credentials(ca: tls.ca, cert: tls.cert, key: tls.key, namespace: namespace)
                kafka.tls = tls
            }
            spec.source = .kafka(kafka)
        case .mqtt(var mqtt):
            try self.checkBroker(host: mqtt.broker.host, key: "brokerAddress", value: mqtt.broker.description)
            if var tls = mqtt.tls {
                (tls.ca, tls.cert, tls.key) = try self.credentials(ca: tls.ca, cert: tls.cert, key: tls.key, namespace: namespace)
                mqtt.tls = tls
            }
            spec.source = .mqtt(mqtt)
        }
        return spec
    }

    func checkBroker(host: String, key: String, value: String) throws(MetadataError) {
        guard let allowlist = self.allowedBrokers, !allowlist.allows(host: host) else { return }
        throw MetadataError(.invalidValue, key: key, value: value, allowed: "brokers matching --allowed-brokers (\(allowlist))")
    }

    /// The three TLS file keys every source has, resolved.
    func credentials(ca: String?, cert: String?, key: String?, namespace: String) throws(MetadataError) -> (String?, String?, String?) {
        func resolve(_ value: String?, _ name: String) throws(MetadataError) -> String? {
            guard let value else { return nil }
            return try self.credential(value, key: name, namespace: namespace)
        }
        return (try resolve(ca, "ca"), try resolve(cert, "cert"), try resolve(key, "key"))
    }

    /// `<dir>/<namespace>/<name>`, or `name` unchanged without a credentials directory.
    func credential(_ name: String, key: String, namespace: String) throws(MetadataError) -> String {
        guard let directory = self.credentialsDirectory else { return name }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, !name.hasPrefix("/"), !components.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
            !name.contains("\0")
        else {
            throw MetadataError(
                .invalidValue,
                key: key,
                value: name,
                allowed: "a file name under --credentials-dir/<namespace>/ (no absolute path, no \"..\")"
            )
        }
        guard !namespace.isEmpty, !namespace.contains("/"), namespace != "..", namespace != "." else {
            throw MetadataError(.invalidValue, key: key, value: name, allowed: "a ScaledObject in a valid namespace")
        }
        return "\(directory)/\(namespace)/\(name)"
    }
}
