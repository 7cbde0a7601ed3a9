import CMosquitto
import Foundation
import Synchronization

/// A plain libmosquitto publisher (MQTT 3.1.1, its own network thread), for tests and the ingest
/// benchmark. ``flush()`` waits until the library has handed every publish to the broker (QoS 0) or
/// the broker has acknowledged it (QoS 1 and 2).
public final class MQTTTestPublisher: @unchecked Sendable {
    private let pointer: OpaquePointer
    private let sent = Atomic<Int>(0)
    private let confirmed = Atomic<Int>(0)
    private let connected = Atomic<Int32>(-1)

    /// Connects to `host:port` (clean session unless `persistentClientID` is given).
    public convenience init(
        host: String = "127.0.0.1",
        port: Int,
        clientID: String? = nil,
        username: String? = nil,
        password: String? = nil
    ) async throws {
        try self.init(unconnected: host, port: port, clientID: clientID, username: username, password: password)
        try await offPool { [self] in try self.connectBlocking(host: host, port: port) }
    }

    private init(unconnected host: String, port: Int, clientID: String?, username: String?, password: String?) throws {
        mosquitto_lib_init()
        guard let pointer = mosquitto_new(clientID, clientID == nil, nil) else {
            throw BrokerError(message: "mosquitto_new failed")
        }
        self.pointer = pointer
        mosquitto_user_data_set(pointer, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_max_inflight_messages_set(pointer, 0)
        if let username { mosquitto_username_pw_set(pointer, username, password) }
        mosquitto_publish_callback_set(pointer) { _, object, _ in
            guard let object else { return }
            Unmanaged<MQTTTestPublisher>.fromOpaque(object).takeUnretainedValue().confirmed.add(1, ordering: .relaxed)
        }
        mosquitto_connect_callback_set(pointer) { _, object, rc in
            guard let object else { return }
            Unmanaged<MQTTTestPublisher>.fromOpaque(object).takeUnretainedValue().connected.store(rc, ordering: .releasing)
        }
    }

    /// Connects and waits (up to 2 s) for the broker's CONNACK.
    private func connectBlocking(host: String, port: Int) throws {
        let rc = mosquitto_connect(self.pointer, host, Int32(port), 30)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw BrokerError(message: "publisher cannot connect to \(host):\(port): \(String(cString: mosquitto_strerror(rc)))")
        }
        mosquitto_loop_start(self.pointer)
        for _ in 0..<400 where self.connected.load(ordering: .acquiring) < 0 { usleep(5_000) }
        let code = self.connected.load(ordering: .acquiring)
        guard code == 0 else {
            self.close()
            throw BrokerError(message: "publisher was refused by the broker (CONNACK \(code))")
        }
    }

    /// Queues one message.
    public func publish(topic: String, payload: String = "x", qos: Int = 0, retain: Bool = false) throws {
        let rc = payload.utf8CString.withUnsafeBufferPointer { buffer in
            mosquitto_publish(self.pointer, nil, topic, Int32(buffer.count - 1), buffer.baseAddress, Int32(qos), retain)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw BrokerError(message: "publish failed: \(String(cString: mosquitto_strerror(rc)))")
        }
        self.sent.add(1, ordering: .relaxed)
    }

    /// Queues `count` messages on `topic`.
    public func publish(count: Int, topic: String, qos: Int = 0) throws {
        for index in 0..<count { try self.publish(topic: topic, payload: "m\(index)", qos: qos) }
    }

    /// Messages queued so far.
    public var published: Int { self.sent.load(ordering: .relaxed) }

    /// Waits (up to `timeout`, off the cooperative pool) until every queued message has left (QoS 0) or
    /// been acknowledged.
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) async -> Bool {
        (try? await offPool { self.flushBlocking(timeout: timeout) }) ?? false
    }

    private func flushBlocking(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while self.confirmed.load(ordering: .relaxed) < self.sent.load(ordering: .relaxed) {
            if ContinuousClock.now > deadline { return false }
            usleep(1_000)
        }
        return true
    }

    /// Flushes, disconnects and stops the network thread.
    public func close() {
        self.flushBlocking(timeout: .seconds(2))
        mosquitto_disconnect(self.pointer)
        mosquitto_loop_stop(self.pointer, false)
    }

    deinit {
        mosquitto_destroy(self.pointer)
    }
}
