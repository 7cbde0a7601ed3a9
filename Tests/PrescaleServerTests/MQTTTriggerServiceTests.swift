import GRPCCore
import GRPCInProcessTransport
import PrescaleCore
import PrescaleMQTT
import PrescaleProtocol
import PrescaleTesting
import Testing

@testable import PrescaleServer

@Suite("MQTT triggers through the ExternalScaler service", .serialized, .enabled(if: MosquittoBroker.isInstalled))
struct MQTTTriggerServiceTests {
    static func metadata(_ broker: MosquittoBroker, _ extra: [String: String] = [:]) -> [String: String] {
        var metadata = [
            "scalerAddress": "prescale:6000", "source": "mqtt", "brokerAddress": broker.address,
            "topic": "orders/+", "queryValue": "5", "windowSeconds": "60",
        ]
        metadata.merge(extra) { $1 }
        return metadata
    }

    @Test("the first message after idle pushes true on StreamIsActive without any sample tick")
    func pushActivation() async throws {
        let broker = try await MosquittoBroker.start()
        let ref = scaledObject(Self.metadata(broker))
        // A one-hour tick: after the first sample, only the message wake-up can produce a new one.
        try await withMQTTScaler(tick: .seconds(3_600)) { scaler in
            try await withWatchdog(.seconds(120), "the stream pushes true after one message") {
                try await scaler.streamIsActive(ref) { response in
                    var messages = response.messages.makeAsyncIterator()
                    let opening = try await messages.next()?.result
                    #expect(opening == false)
                    // The source chose its next pause after this sample: the one-hour tick. From here on it
                    // samples only on that tick or on a message.
                    let publisher = try await MQTTTestPublisher(port: broker.port)
                    defer { publisher.close() }
                    try publisher.publish(topic: "orders/eu", qos: 1)
                    let pushed = try await messages.next()?.result
                    #expect(pushed == true)
                }
            }
        }
    }

    @Test("GetMetricSpec, GetMetrics and IsActive; broker down is UNAVAILABLE naming the broker")
    func endToEnd() async throws {
        let broker = try await MosquittoBroker.start()
        // KEDA's own value (the window count), so that it is exactly the 12 messages published; a
        // predicting trigger would report and hold its forecast above it.
        let metadata = Self.metadata(broker, ["activationQueryValue": "2", "predict": "false"])
        try await withMQTTScaler(tick: .milliseconds(100)) { scaler in
            let spec = try await scaler.getMetricSpec(scaledObject(metadata))
            #expect(spec.metricSpecs.first?.metricName == "mqtt-orders")
            #expect(spec.metricSpecs.first?.targetSizeFloat == 5)
            var request = Externalscaler_GetMetricsRequest()
            request.scaledObjectRef = scaledObject(metadata)
            request.metricName = "s0-mqtt-orders"
            #expect(try await pollMetricValue(scaler, request, until: 0) == 0)
            let publisher = try await MQTTTestPublisher(port: broker.port)
            try publisher.publish(count: 12, topic: "orders/eu", qos: 1)
            #expect(await publisher.flush())
            publisher.close()
            #expect(try await pollMetricValue(scaler, request, until: 12) == 12)
            let active = try await scaler.isActive(scaledObject(metadata)).result
            #expect(active)

            broker.stop(kill: true)
            let failure = try await pollMetricError(scaler, request, until: .unavailable)
            #expect(failure?.code == .unavailable)
            #expect(failure?.message.contains(broker.address) == true || failure?.message.contains("stale") == true)
        }
    }

    @Test("bad MQTT metadata is INVALID_ARGUMENT naming the key")
    func badMetadata() async throws {
        let broker = try await MosquittoBroker.start()
        try await withMQTTScaler(tick: .seconds(1)) { scaler in
            for (key, value) in [("topic", "a/#/b"), ("windowSeconds", "0"), ("brokerAddress", "tcp://x:1")] {
                let error = await #expect(throws: RPCError.self) {
                    _ = try await scaler.getMetricSpec(scaledObject(Self.metadata(broker, [key: value])))
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains("\"\(key)\"") == true)
            }
        }
    }
}

/// Builds MQTT sources with a chosen sample tick.
struct MQTTSourceFactory: MetricSourceFactory {
    let pool: MQTTConnectionPool
    let tick: Duration

    func makeSource(for spec: TriggerSpec, namespace: String) throws(ScalerError) -> any MetricSource {
        guard case .mqtt(let mqtt) = spec.source else { return try StaticSources().makeSource(for: spec, namespace: namespace) }
        return MQTTSource(spec: mqtt, pool: self.pool, tick: self.tick)
    }
}

/// Runs `body` with a client of an ExternalScaler service whose MQTT triggers run on a live pool.
func withMQTTScaler(
    tick: Duration,
    _ body: @Sendable (Externalscaler_ExternalScaler.Client<InProcessTransport.Client>) async throws -> Void
) async throws {
    let pool = MQTTConnectionPool()
    let registry = TriggerRegistry(sources: MQTTSourceFactory(pool: pool, tick: tick))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        group.addTask { try await registry.run() }
        defer { group.cancelAll() }
        try await withScaler(registry: registry, body)
    }
}

/// Runs `body`, failing with ``NotReached`` if it has not finished within `bound`, so a missing push
/// fails the test instead of hanging it (a liveness bound, not a timing goal).
func withWatchdog(_ bound: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: bound)
            throw NotReached(description: "not reached within \(bound): \(what)")
        }
        defer { group.cancelAll() }
        try await group.next()
    }
}
