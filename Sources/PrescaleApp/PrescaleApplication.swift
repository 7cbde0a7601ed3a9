import Logging
import PrescaleKafka
import PrescaleMQTT
import PrescaleServer

/// `prescale serve` as shipped: the composition root. Builds the adapters ``ScalerServer`` knows only
/// by their protocols (the Kafka and MQTT pools behind ``BuiltInSourceFactory``, and with a cluster the
/// ``ClusterServices``), runs the server until a graceful shutdown, then closes the cluster client.
///
/// ```swift
/// try await PrescaleApplication(configuration: config, logger: logger).run()
/// ```
public struct PrescaleApplication: Sendable {
    /// The resolved settings.
    public let configuration: ServerConfiguration
    /// The process logger.
    public let logger: Logger

    /// Creates the application.
    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT, then drains and returns.
    ///
    /// - Throws: ``PrescaleKubernetes/KubernetesError`` for unusable credentials with an explicit
    ///   `--actuation` mode (the server does not start half-configured), a bind failure, or any other
    ///   fatal error of a listener.
    public func run() async throws {
        let metrics = ScalerMetrics(maximumTriggerSeries: self.configuration.maxTriggerSeries)
        let kafka = KafkaSamplerPool(logger: self.logger, partitionsPerRequest: self.configuration.kafkaPartitionsPerRequest)
        let mqtt = MQTTConnectionPool(logger: self.logger)
        let cluster = try ClusterServices.make(self.configuration, metrics: metrics, logger: self.logger)
        let adapters = ServerAdapters(
            sources: BuiltInSourceFactory(kafka: kafka, mqtt: mqtt),
            brokers: mqtt,
            replicaCounts: cluster?.replicas,
            actuator: cluster?.actuator,
            learnedState: cluster?.learnedState,
            services: [kafka, mqtt] + (cluster?.services ?? [])
        )
        let server = ScalerServer(configuration: self.configuration, metrics: metrics, adapters: adapters, logger: self.logger)
        do {
            try await server.run()
        } catch {
            await cluster?.client.shutdown()
            throw error
        }
        await cluster?.client.shutdown()
    }
}
