import PrescaleCore
import PrescaleTesting
import Testing

@testable import PrescaleMQTT

/// The libmosquitto client is destroyed by the connection's network thread when it stops; readers that
/// leave later, and a second stop, must not touch it (a use after free that ThreadSanitizer caught when a
/// trigger's cleanup ran after its connection had been stopped).
@Suite("MQTT connection lifetime")
struct MQTTConnectionLifetimeTests {
    @Test("a reader that leaves after the connection stopped, and a second stop, leave the destroyed client alone")
    func leaveAfterStop() async throws {
        let broker = try await MosquittoBroker.start()
        let connection = try MQTTConnection(settings: MQTTConnectionSettings(address: try MQTTBrokerAddress(parsing: broker.address)))
        let filter = try MQTTTopicFilter("orders/+")
        _ = connection.addReader(filter: filter, qos: 1, windowSeconds: 60)
        let running = Task { await connection.run() }
        try await eventually("connected") {
            if case .connected = connection.status { return true }
            return false
        }
        connection.stop()
        // run() returns once the network thread has destroyed the client.
        await running.value
        #expect(connection.state.withLock { $0.closed })
        // The status still says connected (the loop ended without a new one); only `closed` guards the client.
        connection.removeReader(filter: filter, windowSeconds: 60)
        connection.stop()
        #expect(connection.state.withLock { $0.filters.isEmpty })
    }
}
