import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import Logging
import PrescaleCore
import Prometheus
import ServiceLifecycle

/// `prescale serve`: the gRPC ExternalScaler, the HTTP endpoints and the trigger registry over a set of
/// ``ServerAdapters``, run as one `ServiceGroup` that drains on SIGTERM and SIGINT.
///
/// ```swift
/// let metrics = ScalerMetrics(maximumTriggerSeries: config.maxTriggerSeries)
/// let server = ScalerServer(configuration: config, metrics: metrics, adapters: adapters, logger: logger)
/// try await server.run()   // returns after a graceful shutdown
/// ```
public struct ScalerServer: Sendable {
    /// The resolved settings.
    public let configuration: ServerConfiguration
    /// The `/metrics` registry; the adapters report into it too (the actuator's observer, leadership).
    public let metrics: ScalerMetrics
    /// The sources, the cluster and their services.
    public let adapters: ServerAdapters
    /// The process logger.
    public let logger: Logger

    /// Creates a server.
    public init(configuration: ServerConfiguration, metrics: ScalerMetrics, adapters: ServerAdapters, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        self.adapters = adapters
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT, then drains and returns.
    ///
    /// - Throws: a bind failure or any other fatal error of a listener.
    public func run() async throws {
        let metrics = self.metrics
        let registry = TriggerRegistry(
            configuration: .init(
                idleTimeout: self.configuration.triggerIdleTimeout,
                // A tenth of the idle timeout, at most 30 s: an idle trigger goes within 10% of the timeout.
                sweepInterval: min(.seconds(30), max(.seconds(1), self.configuration.triggerIdleTimeout / 10)),
                maximumTriggers: self.configuration.maxTriggers,
                maximumTriggersPerNamespace: self.configuration.maxTriggersPerNamespace,
                maximumMetadataKeys: self.configuration.maxMetadataKeys,
                maximumMetadataBytes: self.configuration.maxMetadataBytes,
                tenantPolicy: TenantPolicy(
                    credentialFiles: self.configuration.credentialFiles,
                    allowedBrokers: self.configuration.allowedBrokers
                ),
                hpaSyncSeconds: self.configuration.hpaSyncSeconds
            ),
            sources: self.adapters.sources,
            observers: metrics,
            actuator: self.adapters.actuator,
            replicaCounts: self.adapters.replicaCounts,
            learnedStates: self.adapters.learnedState
        )
        self.logger.notice("prescale \(PrescaleVersion.current) starting", metadata: ["version": "\(PrescaleVersion.current)"])
        let readiness = Readiness()
        let keeper = self.adapters.learnedState.map { LearnedStateKeeper(registry: registry, store: $0, readiness: readiness) }
        if keeper != nil { readiness.waitForLearnedState() }
        let reloadFailures = metrics.tlsReloadFailures
        let security = try ListenerSecurity.make(self.configuration, logger: self.logger) { reloadFailures.increment() }
        if security.mode != "plaintext" {
            self.logger.notice(
                "gRPC listener uses \(security.mode == "mtls" ? "mutual TLS: clients need a certificate signed by --tls-client-ca" : "TLS")",
                metadata: ["reloadInterval": "\(self.configuration.tlsReloadInterval)"]
            )
        }
        let connectionGuard = ConnectionGuard(
            configuration: .init(
                handshakeTimeout: self.configuration.handshakeTimeout,
                maximumConnectionsPerAddress: self.configuration.maxConnectionsPerAddress
            ),
            onRefusal: metrics.makeConnectionRefusalRecorder()
        )
        let grpcServer = GRPCServer(
            transport: HTTP2ServerTransport.Posix(
                address: Self.socketAddress(self.configuration.grpcAddress),
                transportSecurity: security.transportSecurity,
                config: .defaults { transport in
                    // Bounds, so that idle, slow or greedy clients cannot pin resources.
                    transport.http2.maxConcurrentStreams = self.configuration.maxStreamsPerConnection
                    transport.rpc.maxRequestPayloadSize = ExternalScalerService.transportRequestLimit(
                        for: self.configuration.maxMessageBytes)
                    transport.connection.maxIdleTime = self.configuration.connectionIdleTimeout
                    // After GOAWAY (idle, or shutdown) a client gets this long to finish before it is cut.
                    transport.connection.maxGraceTime = .seconds(10)
                    transport.channelDebuggingCallbacks.onAcceptTCPConnection = connectionGuard.accept
                    transport.connection.keepalive = .init(
                        time: self.configuration.keepaliveInterval,
                        timeout: .seconds(20),
                        clientBehavior: .init(minPingIntervalWithoutCalls: .seconds(10), allowWithoutCalls: true)
                    )
                }
            ),
            services: [
                ExternalScalerService(
                    registry: registry,
                    metrics: metrics,
                    maximumRequestBytes: self.configuration.maxMessageBytes,
                    firstSampleWait: self.configuration.firstSampleWait
                )
            ]
        )
        let http = Application(
            router: HTTPEndpoints.router(metrics: metrics, registry: registry, readiness: readiness, brokers: self.adapters.brokers),
            configuration: .init(
                address: .hostname(self.configuration.httpAddress.host, port: self.configuration.httpAddress.port),
                serverName: nil
            ),
            onServerRunning: { [logger] channel in
                readiness.httpIsListening()
                logger.info(
                    "HTTP listening",
                    metadata: [
                        "address":
                            "\(channel.localAddress.flatMap { address in address.ipAddress.map { "\($0):\(address.port ?? 0)" } } ?? "unknown")"
                    ])
            },
            // Hummingbird reports its own shutdown noise at error level; real failures are thrown to us.
            logger: self.logger.withLevel(.critical)
        )
        // Shut down in reverse: gRPC drains first, then HTTP, the learned-state keeper (its last write
        // while every trigger still exists), the registry, the adapters' services (the actuator, the
        // elector releases the lease, the sources' pools).
        var services: [any Service] = []
        if let reloader = security.reloader { services.append(reloader) }
        services += self.adapters.services
        services.append(registry)
        if let keeper { services.append(keeper) }
        services.append(HTTPServerService(application: http, address: self.configuration.httpAddress))
        services.append(
            GRPCServerService(
                server: grpcServer, registry: registry, readiness: readiness, address: self.configuration.grpcAddress, logger: self.logger))
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: self.logger.withLevel(max(self.logger.logLevel, .notice))
        )
        groupConfiguration.maximumGracefulShutdownDuration = self.configuration.shutdownTimeout
        try await ServiceGroup(configuration: groupConfiguration).run()
        self.logger.info("stopped cleanly")
    }

    static func socketAddress(_ address: HostAndPort) -> GRPCNIOTransportCore.SocketAddress {
        let host = address.host == "localhost" ? "127.0.0.1" : address.host
        return host.contains(":") ? .ipv6(host: host, port: address.port) : .ipv4(host: host, port: address.port)
    }
}

extension Logger {
    func withLevel(_ level: Logger.Level) -> Logger {
        var copy = self
        copy.logLevel = level
        return copy
    }
}
