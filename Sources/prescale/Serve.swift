import ArgumentParser
import Foundation
import Logging
import PrescaleServer

/// `prescale serve`: runs the gRPC ExternalScaler and the HTTP endpoints until SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve KEDA's externalscaler.ExternalScaler over gRPC, plus /metrics, /healthz and /readyz over HTTP.",
        discussion: """
            Every option can also be set with an environment variable (PRESCALE_ plus the option name in \
            upper case with underscores, e.g. PRESCALE_GRPC_ADDRESS) or a key of the YAML --config file \
            (the option name without dashes, e.g. grpc-address: 0.0.0.0:6000). Flags override the \
            environment, which overrides the file.
            """
    )

    @Option(help: "A YAML file of settings (keys are the option names, e.g. grpc-address).")
    var config: String?

    @Option(help: "Where KEDA connects: host:port (default 0.0.0.0:6000; port 0 picks a free port).")
    var grpcAddress: String?

    @Option(help: "Where /metrics, /healthz and /readyz are served (default 0.0.0.0:8080).")
    var httpAddress: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(help: "text or json (default text).")
    var logFormat: String?

    @Option(help: "Seconds a trigger may go unasked before it is evicted (default 600).")
    var triggerIdleTimeout: String?

    @Option(help: "The most triggers served at once (default 10000).")
    var maxTriggers: String?

    @Option(help: "The most triggers with their own /metrics series (default 1000).")
    var maxTriggerSeries: String?

    @Option(help: "Seconds a graceful shutdown may take before RPCs are cut (default 10).")
    var shutdownTimeout: String?

    @Option(help: "disabled, enabled or dry-run: scale targets of triggers with actuate: \"true\" up directly (default disabled).")
    var actuation: String?

    @Option(help: "The cluster to actuate from outside a pod (default: the pod's service account, else $KUBECONFIG, else ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (default: its current context).")
    var kubeContext: String?

    @Option(help: "Seconds between patches of one target, 0 to 3600 (default 1).")
    var actuationMinInterval: String?

    @Option(help: "The most replicas one patch adds, 0 for no cap (default 0).")
    var actuationMaxStep: String?

    @Option(help: "enabled or disabled: only the holder of the Lease actuates (default enabled).")
    var leaderElection: String?

    @Option(help: "The Lease replicas compete for (default prescale-actuator).")
    var leaseName: String?

    @Option(help: "The Lease's namespace (default: Prescale's own).")
    var leaseNamespace: String?

    @Option(help: "This replica's name in the Lease (default: $POD_NAME, else the host name).")
    var identity: String?

    @Option(help: "PEM certificate chain for the gRPC listener; with --tls-key, KEDA must connect with TLS (default: plaintext).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "PEM CA bundle: clients must present a certificate it signed (mutual TLS).")
    var tlsClientCa: String?

    @Option(help: "Seconds between re-reads of the certificate and key files, 1 to 86400 (default 30).")
    var tlsReloadInterval: String?

    @Option(help: "Credential file keys (ca, cert, key) are names under DIR/<namespace>/ (default: file keys are refused).")
    var credentialsDir: String?

    @Option(help: "enabled or disabled: file keys are paths anywhere on disk; single-tenant clusters only (default disabled).")
    var allowCredentialPaths: String?

    @Option(help: "Brokers triggers may use: host names, *.suffix patterns, IPs and CIDRs, comma-separated (default: any).")
    var allowedBrokers: String?

    @Option(help: "The most triggers per namespace (default 1000).")
    var maxTriggersPerNamespace: String?

    @Option(help: "The most keys in one trigger's metadata (default 128).")
    var maxMetadataKeys: String?

    @Option(help: "The most bytes in one trigger's metadata (default 65536).")
    var maxMetadataBytes: String?

    @Option(help: "Concurrent RPCs per client connection; KEDA holds one stream per external-push ScaledObject on one connection (default 20000).")
    var maxStreamsPerConnection: String?

    @Option(help: "The largest request accepted, in bytes (default 1048576).")
    var maxMessageBytes: String?

    @Option(help: "Seconds without RPCs before a client connection is closed (default 600).")
    var connectionIdleTimeout: String?

    @Option(help: "Seconds IsActive and GetMetrics on a new trigger wait for its first sample before UNAVAILABLE, 0 to 60 (default 5).")
    var firstSampleWait: String?

    @Option(help: "Seconds a new client connection has to finish TLS and the HTTP/2 preface before it is closed (default 5).")
    var handshakeTimeout: String?

    @Option(help: "Client connections open at once from one IP address; more are closed on accept (default 64).")
    var maxConnectionsPerAddress: String?

    @Option(help: "Seconds between keepalive pings to each client; unanswered for 20 s closes it (default 60).")
    var keepaliveInterval: String?

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(
                flags: self.flagValues(),
                environment: ProcessInfo.processInfo.environment,
                fileContents: try self.configFileContents()
            )
        } catch {
            Self.fail(error.description)
        }
        LoggingSystem.bootstrap { label in
            FormattedLogHandler(label: label, format: configuration.logFormat, level: configuration.logLevel)
        }
        let logger = Logger(label: "prescale")
        logger.info(
            "starting",
            metadata: [
                "grpc": "\(configuration.grpcAddress)", "http": "\(configuration.httpAddress)",
                "sources": "\(BuiltInSourceFactory.kinds)",
            ]
        )
        do {
            try await ScalerServer(configuration: configuration, logger: logger).run()
        } catch {
            Self.fail(String(describing: error))
        }
    }

    private func flagValues() -> [String: String] {
        let pairs: [(String, String?)] = [
            ("grpc-address", self.grpcAddress), ("http-address", self.httpAddress), ("log-level", self.logLevel),
            ("log-format", self.logFormat), ("trigger-idle-timeout", self.triggerIdleTimeout),
            ("max-triggers", self.maxTriggers), ("max-trigger-series", self.maxTriggerSeries),
            ("shutdown-timeout", self.shutdownTimeout), ("actuation", self.actuation), ("kubeconfig", self.kubeconfig),
            ("kube-context", self.kubeContext), ("actuation-min-interval", self.actuationMinInterval),
            ("actuation-max-step", self.actuationMaxStep), ("leader-election", self.leaderElection),
            ("lease-name", self.leaseName), ("lease-namespace", self.leaseNamespace), ("identity", self.identity),
            ("tls-cert", self.tlsCert), ("tls-key", self.tlsKey), ("tls-client-ca", self.tlsClientCa),
            ("tls-reload-interval", self.tlsReloadInterval), ("credentials-dir", self.credentialsDir),
            ("allow-credential-paths", self.allowCredentialPaths),
            ("allowed-brokers", self.allowedBrokers), ("max-triggers-per-namespace", self.maxTriggersPerNamespace),
            ("max-metadata-keys", self.maxMetadataKeys), ("max-metadata-bytes", self.maxMetadataBytes),
            ("max-streams-per-connection", self.maxStreamsPerConnection), ("max-message-bytes", self.maxMessageBytes),
            ("connection-idle-timeout", self.connectionIdleTimeout), ("keepalive-interval", self.keepaliveInterval),
            ("first-sample-wait", self.firstSampleWait), ("handshake-timeout", self.handshakeTimeout), ("max-connections-per-address", self.maxConnectionsPerAddress),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { name, value in value.map { (name, $0) } })
    }

    private func configFileContents() throws(ConfigurationError) -> String? {
        guard let path = self.config ?? ProcessInfo.processInfo.environment["PRESCALE_CONFIG"] else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(origin: "--config", value: path, allowed: "a readable YAML file (\(error.localizedDescription))")
        }
    }

    /// Prints one line on standard error and exits with status 1.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("prescale: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
