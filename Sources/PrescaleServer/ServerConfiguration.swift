import Logging
import PrescaleCore

/// Everything `prescale serve` can be told, with the defaults documented field by field.
///
/// Each setting can come from a flag (`--grpc-address`), an environment variable
/// (`PRESCALE_GRPC_ADDRESS`) or a YAML config file (`grpc-address:`), in that order of precedence;
/// see ``ServerConfiguration/resolve(flags:environment:fileContents:)``.
public struct ServerConfiguration: Sendable, Equatable {
    /// Where KEDA connects. Default: `0.0.0.0:6000`.
    public var grpcAddress: HostAndPort
    /// Where `/metrics`, `/healthz` and `/readyz` are served. Default: `0.0.0.0:8080`.
    public var httpAddress: HostAndPort
    /// The lowest level logged. Default: `info`.
    public var logLevel: Logger.Level
    /// `text` for people, `json` for log pipelines. Default: `text`.
    public var logFormat: LogFormat
    /// How long a trigger may go unasked before it is evicted. Default: 600 s.
    public var triggerIdleTimeout: Duration
    /// The most triggers served at once. Default: 10,000.
    public var maxTriggers: Int
    /// The most triggers with their own `/metrics` series. Default: 1,000.
    public var maxTriggerSeries: Int
    /// How long a graceful shutdown may take before open RPCs are cut. Default: 10 s.
    public var shutdownTimeout: Duration
    /// `--actuation`: whether Prescale reads its targets' ready replicas (so that predicting triggers
    /// learn what one replica consumes) and whether triggers with `actuate: "true"` scale their targets
    /// up directly. Default: `auto` (read-only in a pod or with `--kubeconfig`, else disabled).
    public var actuation: ActuationMode = .auto
    /// `--kubeconfig`: the cluster to read and actuate when not running in a pod. Default: none (in a pod
    /// the service account is used; with an explicit mode other than `auto` elsewhere, `$KUBECONFIG`,
    /// then `~/.kube/config`).
    public var kubeconfig: String?
    /// `--service-account-dir`: where the pod's service-account token, CA and namespace are read from.
    /// Default: `/var/run/secrets/kubernetes.io/serviceaccount`.
    public var serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// `--learned-state`: the name prefix of the ConfigMaps in Prescale's own namespace where what
    /// predicting triggers learned is kept across restarts (`<prefix>-0` … `-3`, created by the install);
    /// `nil` (`disabled`) keeps it in memory only. Used whenever there is a cluster. Default: `prescale-learned`.
    public var learnedState: String? = "prescale-learned"
    /// `--kube-context`: the kubeconfig context. Default: its current context.
    public var kubeContext: String?
    /// `--actuation-min-interval`: at most one patch per target per this interval. Default: 1 s.
    public var actuationMinInterval: Duration = .seconds(1)
    /// `--actuation-max-step`: the most replicas one patch adds; 0 for no cap. Default: 0.
    public var actuationMaxStep: Int = 0
    /// `--leader-election`: only the holder of the Lease actuates. Default: `true`.
    public var leaderElection: Bool = true
    /// `--lease-name`: the Lease replicas compete for. Default: `prescale-actuator`.
    public var leaseName: String = "prescale-actuator"
    /// `--lease-namespace`: where the Lease lives. Default: Prescale's own namespace.
    public var leaseNamespace: String?
    /// `--identity`: this replica's name in the Lease. Default: `$POD_NAME`, else the host name.
    public var identity: String?
    /// `--tls-cert`: PEM certificate chain for the gRPC listener; with `--tls-key`, KEDA must use TLS.
    /// Default: none (plaintext).
    public var tlsCertificate: String?
    /// `--tls-key`: the PEM private key of `--tls-cert`.
    public var tlsKey: String?
    /// `--tls-client-ca`: PEM CA bundle; when set, clients must present a certificate it signed (mTLS).
    public var tlsClientCA: String?
    /// `--hpa-sync-seconds`: the HPA controller's sync period in the cluster
    /// (`--horizontal-pod-autoscaler-sync-period`), part of the lead time predicting triggers plan for.
    /// Default: Kubernetes' 15 s.
    public var hpaSyncSeconds: Double = PredictionSpec.defaultHPASyncSeconds
    /// `--tls-reload-interval`: how often the certificate and key files are re-read (cert-manager
    /// rotates them). Default: 30 s.
    public var tlsReloadInterval: Duration = .seconds(30)
    /// `--credentials-dir`: credential file keys (`ca`, `cert`, `key`) are names under
    /// `<dir>/<namespace>/`. Default: none (without it or `--allow-credential-paths`, file keys are refused).
    public var credentialsDirectory: String?
    /// `--allow-credential-paths`: file keys are paths anywhere Prescale can read. Any ScaledObject can then
    /// make Prescale read any file, so this is for single-tenant clusters only. Default: `false`.
    public var allowCredentialPaths: Bool = false
    /// What the file keys of trigger metadata may name, from the two settings above.
    public var credentialFiles: TenantPolicy.CredentialFiles {
        if let directory = self.credentialsDirectory { return .perNamespace(directory: directory) }
        return self.allowCredentialPaths ? .anyPath : .refused
    }
    /// `--allowed-brokers`: host patterns and CIDRs brokers must match. Default: none (any broker).
    public var allowedBrokers: BrokerAllowlist?
    /// `--max-triggers-per-namespace`. Default: 1,000.
    public var maxTriggersPerNamespace: Int = 1_000
    /// `--max-metadata-keys`: keys in one trigger's metadata. Default: 128.
    public var maxMetadataKeys: Int = 128
    /// `--max-metadata-bytes`: bytes of one trigger's metadata. Default: 65,536.
    public var maxMetadataBytes: Int = 65_536
    /// `--max-streams-per-connection`: concurrent RPCs (HTTP/2 streams) per client connection. KEDA keeps
    /// one `StreamIsActive` open per `external-push` ScaledObject on a single connection, so this must exceed
    /// their number plus the unary calls in flight. Default: 20,000 (above `--max-triggers`' 10,000).
    public var maxStreamsPerConnection: Int = 20_000
    /// `--max-message-bytes`: the largest request accepted. Default: 1 MiB.
    public var maxMessageBytes: Int = 1 << 20
    /// `--kafka-partitions-per-request`: the most partitions one committed-offsets or end-offsets call
    /// asks about; larger reads are split (librdkafka 2.0.2 matches an answer's partitions against the
    /// request linearly, so one call costs O(partitions²)). Default: 1,000.
    public var kafkaPartitionsPerRequest: Int = KafkaReadChunk.defaultPartitions
    /// `--connection-idle-timeout`: a connection with no RPC for this long is closed. Default: 600 s.
    public var connectionIdleTimeout: Duration = .seconds(600)
    /// `--first-sample-wait`: `IsActive` and `GetMetrics` on a trigger that has no sample yet wait this
    /// long for the first one (never past 80% of the request's deadline) before answering `UNAVAILABLE`;
    /// 0 answers at once. Default: 5 s.
    public var firstSampleWait: Duration = .seconds(5)
    /// `--handshake-timeout`: a client connection must complete TLS (when on) and the HTTP/2 preface within
    /// this long of being accepted, or it is closed. Default: 5 s.
    public var handshakeTimeout: Duration = .seconds(5)
    /// `--max-connections-per-address`: client connections open at once from one IP address; more are
    /// closed on accept. KEDA's operator and metrics server each keep one. Default: 64.
    public var maxConnectionsPerAddress: Int = 64
    /// `--keepalive-interval`: Prescale pings each client connection this often and closes it when the
    /// ping is not answered within 20 s, so vanished clients do not pin resources. Default: 60 s.
    public var keepaliveInterval: Duration = .seconds(60)

    /// Creates a configuration; every argument has the default documented on its property.
    public init(
        grpcAddress: HostAndPort = HostAndPort(host: "0.0.0.0", port: 6000),
        httpAddress: HostAndPort = HostAndPort(host: "0.0.0.0", port: 8080),
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .text,
        triggerIdleTimeout: Duration = .seconds(600),
        maxTriggers: Int = 10_000,
        maxTriggerSeries: Int = 1_000,
        shutdownTimeout: Duration = .seconds(10)
    ) {
        self.grpcAddress = grpcAddress
        self.httpAddress = httpAddress
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.triggerIdleTimeout = triggerIdleTimeout
        self.maxTriggers = maxTriggers
        self.maxTriggerSeries = maxTriggerSeries
        self.shutdownTimeout = shutdownTimeout
    }
}

/// A `host:port` pair to listen on. Port 0 asks the system for a free port.
public struct HostAndPort: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port, 0 to 65535.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `:port` (all interfaces) or `[v6]:port`; `nil` when malformed.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }
}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-29T04:32:03Z info prescale: message key=value`.
    case text
    /// One JSON object per line.
    case json
}
