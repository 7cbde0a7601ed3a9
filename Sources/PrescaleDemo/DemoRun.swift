import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import PrescaleApp
import PrescaleCore
import PrescaleKafka
import PrescaleKafkaMock
import PrescaleKubernetes
import PrescaleMQTT
import PrescaleProtocol
import PrescaleServer
import PrescaleSimulator

/// `prescale demo`: the whole loop on one machine. An in-process mock Kafka cluster, a producer
/// replaying a load, the real ExternalScaler gRPC server on loopback, a KEDA/HPA-like control loop
/// that calls it over gRPC, and a pool of simulated consumers whose size follows that loop.
public struct DemoRun: Sendable {
    /// The demo's settings.
    public struct Configuration: Sendable {
        /// Simulated seconds to run. Default 180.
        public var seconds: Int = 180
        /// Simulated seconds per wall-clock second. Default 1.
        public var speed: Double = 1
        /// The load to replay. Default: the simulator's `burst` scenario at its mean rates, for 180 s.
        public var load = DemoLoad(perSecond: (0..<180).map { SyntheticScenario.burst.rate(at: $0, of: 180) ?? 0 })
        /// Messages one replica consumes per simulated second. Default 25.
        public var messagesPerReplicaPerSecond: Double = 25
        /// Simulated seconds between control-loop syncs (the HPA's 15 s by default).
        public var syncSeconds = PredictionSpec.defaultHPASyncSeconds
        /// Simulated seconds from a scale decision to a ready replica. Default 2.
        public var coldStartSeconds: Double = 2
        /// Partitions of the demo topic, and the replica maximum. Default 12.
        public var partitions: Int = 12
        /// `lagThreshold` of the trigger. Default 50.
        public var lagThreshold: Int = 50
        /// Direct actuation: the trigger has `actuate: "true"` and Prescale's actuator raises the pool
        /// at every sample, besides the control loop. Default `false` (the HPA path only).
        public var actuation = false
        /// Prescale's prediction (`true`, the default) or `predict: "false"`: KEDA's own kafka
        /// scaler's value (held for the scale-down window, which Kubernetes' 300 s default covers), for the
        /// side-by-side run.
        public var predict = true
        /// The HPA behaviour of the run's ScaledObject. Default: Kubernetes' (KEDA's run); Prescale's
        /// runs use what its ScaledObjects ship, ``HPABehavior/prescale``.
        public var behavior: HPABehavior = .kubernetesDefault

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the demo; `report` receives every simulated second as it ends.
    public func run(report: @Sendable (DemoRow) -> Void) async throws -> DemoResult {
        let config = self.configuration
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic("orders", partitions: config.partitions)
        var simulation = DemoSimulation(configuration: config)
        let committer = try KafkaOffsetCommitter(settings: cluster.settings, group: "demo-workers")
        try await committer.commit(simulation.committedOffsets(topic: "orders"))
        let producer = try cluster.producer()
        let pool = KafkaSamplerPool()
        let mqtt = MQTTConnectionPool()
        let target = DemoScaleTarget(bounds: ReplicaBounds(minimum: 1, maximum: config.partitions))
        var logger = Logger(label: "prescale-demo")
        logger.logLevel = .critical
        let actuator = Actuator(
            configuration: .init(minimumPatchInterval: .seconds(1 / config.speed), replicaCacheTime: .zero),
            api: target,
            logger: logger
        )
        // The demo's pool is the scale target: predicting triggers read its ready replicas, as the server
        // reads a Deployment's status.readyReplicas.
        let replicas = ReplicaWatcher(
            configuration: .init(interval: .seconds(1 / config.speed)), api: target, logger: logger)
        let registry = TriggerRegistry(sources: BuiltInSourceFactory(kafka: pool, mqtt: mqtt), actuator: actuator, replicaCounts: replicas)
        let server = GRPCServer(
            transport: HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
            services: [ExternalScalerService(registry: registry, metrics: ScalerMetrics())]
        )
        var metadata = [
            "scalerAddress": "127.0.0.1", "source": "kafka", "bootstrapServers": cluster.bootstrapServers,
            "consumerGroup": "demo-workers", "topic": "orders", "lagThreshold": String(config.lagThreshold),
            "sampleIntervalMs": String(max(100, Int(1000 / config.speed))),
            // Simulated seconds pass `speed` times faster than the planner's clock: its time
            // constants are scaled to match (each at least the 1 s the keys allow).
            "leadTimeSeconds": String(max(1, ((config.actuation ? 1 : config.syncSeconds) + config.coldStartSeconds) / config.speed)),
            "drainSeconds": String(max(1, 30 / config.speed)),
            // No messagesPerReplicaPerSecond: the planner learns the pool's capacity from its replicas.
            "predict": String(config.predict),
        ]
        if config.actuation { metadata["actuate"] = "true" }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            group.addTask { try await mqtt.run() }
            group.addTask { try await registry.run() }
            group.addTask { try await actuator.run() }
            group.addTask { try await replicas.run() }
            group.addTask { try await server.serve() }
            defer { group.cancelAll() }
            guard let address = try await server.listeningAddress?.ipv4 else {
                throw RPCError(code: .unavailable, message: "the demo's gRPC server did not bind")
            }
            let client = GRPCClient(
                transport: try HTTP2ClientTransport.Posix(
                    target: .ipv4(address: address.host, port: address.port),
                    transportSecurity: .plaintext
                )
            )
            group.addTask { try await client.runConnections() }
            defer { client.beginGracefulShutdown() }
            let scaler = Externalscaler_ExternalScaler.Client(wrapping: client)
            var rows: [DemoRow] = []
            var request = Externalscaler_GetMetricsRequest()
            var ref = Externalscaler_ScaledObjectRef()
            ref.name = "orders-consumer"
            ref.namespace = "demo"
            ref.scalerMetadata = metadata
            request.scaledObjectRef = ref
            request.metricName = try await scaler.getMetricSpec(ref).metricSpecs.first?.metricName ?? ""
            let ticksPerSecond = 10
            for tick in 0..<(config.seconds * ticksPerSecond) {
                let now = Double(tick) / Double(ticksPerSecond)
                let produced = simulation.arrivals(at: now, step: 1.0 / Double(ticksPerSecond))
                for (partition, count) in produced where count > 0 {
                    try producer.enqueue(topic: "orders", partition: Int32(partition), count: count)
                }
                if let requested = target.takeRequested() {
                    simulation.scaleUp(to: requested, now: now)
                }
                target.setCurrent(simulation.desired, ready: simulation.ready)
                simulation.consume(step: 1.0 / Double(ticksPerSecond), now: now)
                if tick % ticksPerSecond == 0 {
                    try await producer.flush()
                    try await committer.commit(simulation.committedOffsets(topic: "orders"))
                }
                if simulation.isSyncDue(at: now) {
                    // KEDA's order: GetMetrics, then IsActive. Answers may be UNAVAILABLE until the first sample.
                    if let value = try? await scaler.getMetrics(request).metricValues.first?.metricValueFloat,
                        let active = try? await scaler.isActive(ref).result
                    {
                        simulation.sync(value: value, active: active, now: now)
                    }
                }
                if tick % ticksPerSecond == ticksPerSecond - 1 {
                    let row = simulation.row(second: tick / ticksPerSecond)
                    rows.append(row)
                    report(row)
                }
                try await Task.sleep(for: .seconds(0.1 / config.speed))
            }
            await committer.close()
            return DemoResult(
                rows: rows, waits: simulation.waits, messagesPerReplicaPerSecond: config.messagesPerReplicaPerSecond,
                partitions: config.partitions)
        }
    }
}
