/// What a ScaledObject may make Prescale do on its behalf: which credential files it may name and which
/// brokers it may dial. ScaledObjects are written by many teams, so every metadata map is untrusted.
///
/// - `credentialFiles`: what the file keys (`ca`, `cert`, `key`) may name. By default they are refused.
///   With `--credentials-dir` they are names resolved under `<dir>/<namespace>/`, so one namespace can never
///   use another's credentials (absolute paths and `..` are refused). `--allow-credential-paths enabled`
///   takes them as paths anywhere on disk: single-tenant clusters only.
/// - `allowedBrokers` (`--allowed-brokers`): when set, a broker whose host matches no entry is refused, so a
///   ScaledObject cannot make Prescale probe the internal network.
///
/// ```swift
/// let policy = TenantPolicy(credentialFiles: .perNamespace(directory: "/etc/prescale/credentials"), allowedBrokers: try BrokerAllowlist("*.kafka.svc,10.0.0.0/8"))
/// let spec = try policy.apply(to: try TriggerSpec(metadata: metadata), namespace: "shop")
/// ```
public struct TenantPolicy: Sendable, Hashable {
    /// What the credential file keys may name.
    public enum CredentialFiles: Sendable, Hashable {
        /// No file keys at all (the default): a ScaledObject cannot make Prescale read a file.
        case refused
        /// `--credentials-dir`: names under `<directory>/<namespace>/`.
        case perNamespace(directory: String)
        /// `--allow-credential-paths enabled`: paths anywhere Prescale can read. Single-tenant only.
        case anyPath
    }

    /// What the file keys may name. Default: ``CredentialFiles/refused``.
    public var credentialFiles: CredentialFiles
    /// `--allowed-brokers`; `nil` (the default) allows every broker.
    public var allowedBrokers: BrokerAllowlist?

    /// Creates a policy; by default file keys are refused and every broker is allowed.
    public init(credentialFiles: CredentialFiles = .refused, allowedBrokers: BrokerAllowlist? = nil) {
        if case .perNamespace(let directory) = credentialFiles, directory.hasSuffix("/"), directory.count > 1 {
            self.credentialFiles = .perNamespace(directory: String(directory.dropLast()))
        } else {
            self.credentialFiles = credentialFiles
        }
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

    /// `<dir>/<namespace>/<name>`, `name` unchanged when paths are allowed, or an error.
    func credential(_ name: String, key: String, namespace: String) throws(MetadataError) -> String {
        let directory: String
        switch self.credentialFiles {
        case .refused:
            throw MetadataError(
                .invalidValue,
                key: key,
                value: name,
                allowed: "no credential files on this server: start prescale serve with --credentials-dir DIR "
                    + "(then \"\(key)\" names a file under DIR/<namespace>/) or, on a single-tenant cluster only, "
                    + "--allow-credential-paths enabled"
            )
        case .anyPath:
            return name
        case .perNamespace(let configured):
            directory = configured
        }
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
