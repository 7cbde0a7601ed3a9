import Logging
import PrescaleCore
import Yams

extension ServerConfiguration {
    /// A setting's names in each place it can be given.
    struct Setting: Sendable {
        /// The flag without dashes; also the config file key.
        var name: String
        var allowed: String
        /// One line for `prescale serve --help`, ending with the default.
        var help: String
        var apply: @Sendable (inout ServerConfiguration, String) -> Bool

        var flag: String { "--\(self.name)" }
        var environmentVariable: String {
            "PRESCALE_" + String(self.name.uppercased().map { $0 == "-" ? "_" : $0 })
        }
    }

    /// The settings, in the order `--help` and the README list them.
    static let settings: [Setting] = [
        Setting(
            name: "grpc-address", allowed: "host:port with a port from 0 to 65535",
            help: "Where KEDA connects: host:port (default 0.0.0.0:6000; port 0 picks a free port)."
        ) { config, text in
            guard let address = HostAndPort(parsing: text) else { return false }
            config.grpcAddress = address
            return true
        },
        Setting(
            name: "http-address", allowed: "host:port with a port from 0 to 65535",
            help: "Where /metrics, /healthz and /readyz are served (default 0.0.0.0:8080)."
        ) { config, text in
            guard let address = HostAndPort(parsing: text) else { return false }
            config.httpAddress = address
            return true
        },
        Setting(
            name: "log-level", allowed: "one of trace, debug, info, notice, warning, error, critical",
            help: "trace, debug, info, notice, warning, error or critical (default info)."
        ) {
            config, text in
            guard let level = Logger.Level(rawValue: text) else { return false }
            config.logLevel = level
            return true
        },
        Setting(
            name: "log-format", allowed: "one of text, json",
            help: "text or json (default text)."
        ) { config, text in
            guard let format = LogFormat(rawValue: text) else { return false }
            config.logFormat = format
            return true
        },
        Setting(
            name: "trigger-idle-timeout", allowed: "whole seconds from 1 to 86400",
            help: "Seconds a trigger may go unasked before it is evicted (default 600)."
        ) { config, text in
            guard let seconds = Int(text), (1...86_400).contains(seconds) else { return false }
            config.triggerIdleTimeout = .seconds(seconds)
            return true
        },
        Setting(
            name: "max-triggers", allowed: "a whole number from 1 to 1000000",
            help: "The most triggers served at once (default 10000)."
        ) { config, text in
            guard let count = Int(text), (1...1_000_000).contains(count) else { return false }
            config.maxTriggers = count
            return true
        },
        Setting(
            name: "max-trigger-series", allowed: "a whole number from 0 to 100000",
            help: "The most triggers with their own /metrics series (default 1000)."
        ) { config, text in
            guard let count = Int(text), (0...100_000).contains(count) else { return false }
            config.maxTriggerSeries = count
            return true
        },
        Setting(
            name: "shutdown-timeout", allowed: "whole seconds from 1 to 3600",
            help: "Seconds a graceful shutdown may take before RPCs are cut (default 10)."
        ) { config, text in
            guard let seconds = Int(text), (1...3600).contains(seconds) else { return false }
            config.shutdownTimeout = .seconds(seconds)
            return true
        },
        Setting(
            name: "actuation", allowed: "one of auto, disabled, read-only, enabled, dry-run",
            help:
                "auto, disabled, read-only, enabled or dry-run: read the targets' ready replicas to learn capacity; enabled also scales targets of actuate: \"true\" triggers up (default auto: read-only in a pod or with --kubeconfig, else disabled)."
        ) { config, text in
            guard let mode = ActuationMode(rawValue: text) else { return false }
            config.actuation = mode
            return true
        },
        Setting(
            name: "kubeconfig", allowed: "a path to a kubeconfig file",
            help: "The cluster to actuate from outside a pod (default: the pod's service account, else $KUBECONFIG, else ~/.kube/config)."
        ) { config, text in
            guard !text.isEmpty else { return false }
            config.kubeconfig = text
            return true
        },
        Setting(
            name: "service-account-dir", allowed: "an absolute directory path",
            help:
                "Where the pod's service-account token, ca.crt and namespace are read (default /var/run/secrets/kubernetes.io/serviceaccount)."
        ) { config, text in
            guard text.hasPrefix("/") else { return false }
            config.serviceAccountDirectory = text
            return true
        },
        Setting(
            name: "learned-state", allowed: "a ConfigMap name prefix (lower-case letters, digits, '-' and '.', at most 200) or disabled",
            help:
                "ConfigMaps <prefix>-0…3 in Prescale's namespace that keep what triggers learned across restarts, or disabled (default prescale-learned)."
        ) { config, text in
            if text == "disabled" {
                config.learnedState = nil
                return true
            }
            guard Self.isObjectName(text), text.count <= 200 else { return false }
            config.learnedState = text
            return true
        },
        Setting(
            name: "kube-context", allowed: "a context name of the kubeconfig",
            help: "The kubeconfig context (default: its current context)."
        ) { config, text in
            guard !text.isEmpty else { return false }
            config.kubeContext = text
            return true
        },
        Setting(
            name: "actuation-min-interval", allowed: "seconds from 0 to 3600 (decimals allowed)",
            help: "Seconds between patches of one target, 0 to 3600 (default 1)."
        ) { config, text in
            guard let duration = Self.decimalSeconds(text, in: 0...3600) else { return false }
            config.actuationMinInterval = duration
            return true
        },
        Setting(
            name: "actuation-max-step", allowed: "a whole number from 0 (no cap) to 10000",
            help: "The most replicas one patch adds, 0 for no cap (default 0)."
        ) { config, text in
            guard let step = Int(text), (0...10_000).contains(step) else { return false }
            config.actuationMaxStep = step
            return true
        },
        Setting(
            name: "leader-election", allowed: "one of enabled, disabled",
            help: "enabled or disabled: only the holder of the Lease actuates (default enabled)."
        ) { config, text in
            guard let enabled = Self.enabledOrDisabled(text) else { return false }
            config.leaderElection = enabled
            return true
        },
        Setting(
            name: "lease-name", allowed: "a Kubernetes object name: lower-case letters, digits, '-' and '.', at most 253",
            help: "The Lease replicas compete for (default prescale-actuator)."
        ) { config, text in
            guard Self.isObjectName(text) else { return false }
            config.leaseName = text
            return true
        },
        Setting(
            name: "lease-namespace", allowed: "a namespace name: lower-case letters, digits and '-', at most 63",
            help: "The Lease's namespace (default: Prescale's own)."
        ) { config, text in
            guard Self.isObjectName(text), text.count <= 63, !text.contains(".") else { return false }
            config.leaseNamespace = text
            return true
        },
        Setting(
            name: "tls-cert", allowed: "a path to a PEM certificate chain",
            help: "PEM certificate chain for the gRPC listener; with --tls-key, KEDA must connect with TLS (default: plaintext)."
        ) { config, text in
            guard !text.isEmpty else { return false }
            config.tlsCertificate = text
            return true
        },
        Setting(
            name: "tls-key", allowed: "a path to a PEM private key",
            help: "PEM private key of --tls-cert."
        ) { config, text in
            guard !text.isEmpty else { return false }
            config.tlsKey = text
            return true
        },
        Setting(
            name: "tls-client-ca", allowed: "a path to a PEM CA bundle",
            help: "PEM CA bundle: clients must present a certificate it signed (mutual TLS)."
        ) { config, text in
            guard !text.isEmpty else { return false }
            config.tlsClientCA = text
            return true
        },
        Setting(
            name: "hpa-sync-seconds", allowed: "whole seconds from 1 to 60",
            help:
                "The HPA controller's sync period in this cluster (--horizontal-pod-autoscaler-sync-period), 1 to 60: part of the lead time predicting triggers plan for (default 15, Kubernetes'; deploy/k3s sets 5)."
        ) { config, text in
            guard let seconds = Int(text), (1...60).contains(seconds) else { return false }
            config.hpaSyncSeconds = Double(seconds)
            return true
        },
        Setting(
            name: "tls-reload-interval", allowed: "whole seconds from 1 to 86400",
            help: "Seconds between re-reads of the certificate and key files, 1 to 86400 (default 30)."
        ) { config, text in
            guard let seconds = Int(text), (1...86_400).contains(seconds) else { return false }
            config.tlsReloadInterval = .seconds(seconds)
            return true
        },
        Setting(
            name: "credentials-dir", allowed: "an absolute directory path",
            help: "Credential file keys (ca, cert, key) are names under DIR/<namespace>/ (default: file keys are refused)."
        ) { config, text in
            guard text.hasPrefix("/"), !text.split(separator: "/").contains("..") else { return false }
            config.credentialsDirectory = text
            return true
        },
        Setting(
            name: "allow-credential-paths", allowed: "one of enabled, disabled",
            help: "enabled or disabled: file keys are paths anywhere on disk; single-tenant clusters only (default disabled)."
        ) { config, text in
            guard let enabled = Self.enabledOrDisabled(text) else { return false }
            config.allowCredentialPaths = enabled
            return true
        },
        Setting(
            name: "allowed-brokers",
            allowed: "comma-separated host names, *.suffix patterns, IP addresses and CIDRs, e.g. *.kafka.svc.cluster.local,10.0.0.0/8",
            help: "Brokers triggers may use: host names, *.suffix patterns, IPs and CIDRs, comma-separated (default: any)."
        ) { config, text in
            guard let list = try? BrokerAllowlist(text) else { return false }
            config.allowedBrokers = list
            return true
        },
        Setting(
            name: "max-triggers-per-namespace", allowed: "a whole number from 1 to 1000000",
            help: "The most triggers per namespace (default 1000)."
        ) { config, text in
            guard let count = Int(text), (1...1_000_000).contains(count) else { return false }
            config.maxTriggersPerNamespace = count
            return true
        },
        Setting(
            name: "max-metadata-keys", allowed: "a whole number from 8 to 10000",
            help: "The most keys in one trigger's metadata (default 128)."
        ) { config, text in
            guard let count = Int(text), (8...10_000).contains(count) else { return false }
            config.maxMetadataKeys = count
            return true
        },
        Setting(
            name: "max-metadata-bytes", allowed: "a whole number from 1024 to 1048576",
            help: "The most bytes in one trigger's metadata (default 65536)."
        ) { config, text in
            guard let count = Int(text), (1_024...1_048_576).contains(count) else { return false }
            config.maxMetadataBytes = count
            return true
        },
        Setting(
            name: "max-streams-per-connection", allowed: "a whole number from 1 to 100000",
            help:
                "Concurrent RPCs per client connection; KEDA holds one stream per external-push ScaledObject on one connection (default 20000)."
        ) { config, text in
            guard let count = Int(text), (1...100_000).contains(count) else { return false }
            config.maxStreamsPerConnection = count
            return true
        },
        Setting(
            name: "max-message-bytes", allowed: "a whole number from 4096 to 16777216",
            help: "The largest request accepted, in bytes (default 1048576)."
        ) { config, text in
            guard let count = Int(text), (4_096...16_777_216).contains(count) else { return false }
            config.maxMessageBytes = count
            return true
        },
        Setting(
            name: "kafka-partitions-per-request", allowed: "a whole number from 1 to 100000",
            help: "The most partitions one Kafka offsets call asks about; larger reads are split (default 1000)."
        ) { config, text in
            guard let count = Int(text), (1...100_000).contains(count) else { return false }
            config.kafkaPartitionsPerRequest = count
            return true
        },
        Setting(
            name: "connection-idle-timeout", allowed: "whole seconds from 10 to 86400",
            help: "Seconds without RPCs before a client connection is closed (default 600)."
        ) { config, text in
            guard let seconds = Int(text), (10...86_400).contains(seconds) else { return false }
            config.connectionIdleTimeout = .seconds(seconds)
            return true
        },
        Setting(
            name: "first-sample-wait", allowed: "seconds from 0 to 60 (decimals allowed)",
            help: "Seconds IsActive and GetMetrics on a new trigger wait for its first sample before UNAVAILABLE, 0 to 60 (default 5)."
        ) { config, text in
            guard let duration = Self.decimalSeconds(text, in: 0...60) else { return false }
            config.firstSampleWait = duration
            return true
        },
        Setting(
            name: "handshake-timeout", allowed: "seconds from 0.1 to 300 (decimals allowed)",
            help: "Seconds a new client connection has to finish TLS and the HTTP/2 preface before it is closed (default 5)."
        ) { config, text in
            guard let duration = Self.decimalSeconds(text, in: 0.1...300) else { return false }
            config.handshakeTimeout = duration
            return true
        },
        Setting(
            name: "max-connections-per-address", allowed: "a whole number from 1 to 100000",
            help: "Client connections open at once from one IP address; more are closed on accept (default 64)."
        ) { config, text in
            guard let count = Int(text), (1...100_000).contains(count) else { return false }
            config.maxConnectionsPerAddress = count
            return true
        },
        Setting(
            name: "keepalive-interval", allowed: "whole seconds from 10 to 7200",
            help: "Seconds between keepalive pings to each client; unanswered for 20 s closes it (default 60)."
        ) { config, text in
            guard let seconds = Int(text), (10...7_200).contains(seconds) else { return false }
            config.keepaliveInterval = .seconds(seconds)
            return true
        },
        Setting(
            name: "identity", allowed: "a non-empty name without spaces, at most 128 characters",
            help: "This replica's name in the Lease (default: $POD_NAME, else the host name)."
        ) { config, text in
            guard !text.isEmpty, text.count <= 128, !text.contains(where: \.isWhitespace) else { return false }
            config.identity = text
            return true
        },
    ]

    /// `text` as seconds with decimals, in `range`, to the millisecond.
    static func decimalSeconds(_ text: String, in range: ClosedRange<Double>) -> Duration? {
        guard let seconds = Double(text), seconds.isFinite, range.contains(seconds) else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// `enabled` or `disabled`.
    static func enabledOrDisabled(_ text: String) -> Bool? {
        switch text {
        case "enabled": return true
        case "disabled": return false
        default: return nil
        }
    }

    /// A DNS-1123 subdomain, as Kubernetes object names are.
    static func isObjectName(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 253, let first = text.first, let last = text.last,
            first.isLetter || first.isNumber, last.isLetter || last.isNumber
        else { return false }
        return text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
    }

    /// The names of every setting, as flags take them without dashes.
    public static var settingNames: [String] { Self.settings.map(\.name) }

    /// Builds a configuration from defaults, then the YAML file, then environment variables, then
    /// flags, each overriding the one before.
    ///
    /// - Parameters:
    ///   - flags: values given on the command line, by setting name (`grpc-address`).
    ///   - environment: the process environment; only `PRESCALE_*` names of known settings are read.
    ///   - fileContents: the YAML config file, a mapping of setting names to scalars.
    /// - Throws: ``ConfigurationError`` naming the first bad value and where it came from. Unknown keys
    ///   in the file are errors too, so a typo is never silently ignored.
    public static func resolve(
        flags: [String: String],
        environment: [String: String],
        fileContents: String?
    ) throws(ConfigurationError) -> ServerConfiguration {
        var config = ServerConfiguration()
        let known = Set(Self.settings.map(\.name))
        if let fileContents {
            let entries = try Self.parseFile(fileContents)
            for key in entries.keys.sorted() where !known.contains(key) {
                throw ConfigurationError(
                    origin: "config file key \"\(key)\"",
                    value: nil,
                    allowed: "is not a setting; known keys: \(Self.settings.map(\.name).joined(separator: ", "))"
                )
            }
            for setting in Self.settings {
                if let value = entries[setting.name], !setting.apply(&config, value) {
                    throw ConfigurationError(origin: "config file key \"\(setting.name)\"", value: value, allowed: setting.allowed)
                }
            }
        }
        for setting in Self.settings {
            if let value = environment[setting.environmentVariable], !setting.apply(&config, value) {
                throw ConfigurationError(origin: setting.environmentVariable, value: value, allowed: setting.allowed)
            }
        }
        for setting in Self.settings {
            if let value = flags[setting.name], !setting.apply(&config, value) {
                throw ConfigurationError(origin: setting.flag, value: value, allowed: setting.allowed)
            }
        }
        switch (config.tlsCertificate, config.tlsKey) {
        case (.some, nil):
            throw ConfigurationError(origin: "--tls-cert", value: config.tlsCertificate, allowed: "only together with --tls-key")
        case (nil, .some):
            throw ConfigurationError(origin: "--tls-key", value: config.tlsKey, allowed: "only together with --tls-cert")
        case (nil, nil) where config.tlsClientCA != nil:
            throw ConfigurationError(
                origin: "--tls-client-ca", value: config.tlsClientCA,
                allowed: "only with --tls-cert and --tls-key (mutual TLS needs server TLS)")
        default:
            break
        }
        if config.allowCredentialPaths, let directory = config.credentialsDirectory {
            throw ConfigurationError(
                origin: "--allow-credential-paths",
                value: "enabled",
                allowed: "only without --credentials-dir (\(directory)): file keys are either names under it or paths, not both"
            )
        }
        return config
    }

    private static func parseFile(_ contents: String) throws(ConfigurationError) -> [String: String] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: contents)
        } catch {
            throw ConfigurationError(origin: "config file", value: nil, allowed: "valid YAML; \(error)")
        }
        guard let node else { return [:] }
        guard let mapping = node.mapping else {
            throw ConfigurationError(origin: "config file", value: nil, allowed: "a YAML mapping of setting names to values")
        }
        var entries: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                throw ConfigurationError(origin: "config file", value: nil, allowed: "keys must be plain strings")
            }
            guard let scalar = value.scalar?.string else {
                throw ConfigurationError(
                    origin: "config file key \"\(name)\"", value: nil, allowed: "a single value, not a list or mapping")
            }
            entries[name] = scalar
        }
        return entries
    }
}
