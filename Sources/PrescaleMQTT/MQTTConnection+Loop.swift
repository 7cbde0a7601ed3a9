import CMosquitto
import Dispatch
import Foundation
import PrescaleCore

extension MQTTConnection {
    /// Connects, runs `mosquitto_loop` and reconnects with backoff until ``stop()``; then destroys the
    /// client. Runs on the connection's own thread.
    func networkLoop() {
        let pointer = self.handle.pointer
        let settings = self.settings
        let broker = settings.address.description
        var backoff = ReconnectBackoff(initial: settings.initialReconnectDelay, maximum: settings.maximumReconnectDelay)
        while !self.isStopping {
            self.state.withLock { state in
                state.connackFailure = nil
                state.connectedThisAttempt = false
            }
            errno = 0
            let rc = mosquitto_connect(pointer, settings.address.host, Int32(settings.address.port), settings.keepaliveSeconds)
            let connectErrno = errno
            var failure: MQTTError?
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                failure = MQTTError.library(rc, errno: connectErrno, broker: broker)
            } else {
                let started = ContinuousClock.now
                while !self.isStopping {
                    errno = 0
                    let loopRC = mosquitto_loop(pointer, 250, 1)
                    let loopErrno = errno
                    let (connected, refused) = self.state.withLock { ($0.connectedThisAttempt, $0.connackFailure) }
                    if let refused {
                        failure = refused
                        mosquitto_disconnect(pointer)
                        break
                    }
                    if loopRC != MOSQ_ERR_SUCCESS.rawValue {
                        failure = MQTTError.library(loopRC, errno: loopErrno, broker: broker)
                        break
                    }
                    if !connected && ContinuousClock.now - started > settings.connectTimeout {
                        failure = MQTTError(.unreachable, "mqtt \(broker): no CONNACK within \(settings.connectTimeout)")
                        mosquitto_disconnect(pointer)
                        break
                    }
                }
            }
            if self.isStopping { break }
            let wasConnected = self.state.withLock { state -> Bool in
                let now = MonotonicTime.now()
                let failure = failure ?? MQTTError(.unreachable, "mqtt \(broker): connection closed")
                switch state.status {
                case .connected:
                    state.status = .disconnected(since: now, failure)
                case .connecting(let since), .disconnected(let since, _):
                    state.status = .disconnected(since: since, failure)
                }
                state.pendingSubscriptions.removeAll()
                return state.connectedThisAttempt
            }
            if wasConnected { backoff.reset() }
            let delay = backoff.next()
            _ = self.wakeup.wait(timeout: .now() + .nanoseconds(Int(delay.inNanoseconds)))
        }
        // From here no other thread touches the client (``withClient``), so destroying it is safe.
        self.state.withLock { $0.closed = true }
        mosquitto_disconnect(pointer)
        mosquitto_destroy(pointer)
    }

    // MARK: Callbacks (network thread)

    func didConnect(reasonCode: Int32) {
        let broker = self.settings.address.description
        guard reasonCode == 0 else {
            let failure = MQTTError.connack(reasonCode, broker: broker, username: self.settings.username)
            self.state.withLock { $0.connackFailure = failure }
            return
        }
        let (filters, sys) = self.state.withLock { state -> ([(String, Int, UInt32)], Bool) in
            state.status = .connected(since: MonotonicTime.now())
            state.connectedThisAttempt = true
            // The broker sends its retained $SYS values again on subscribe.
            state.sys.reset()
            state.sysRefusal = nil
            return (state.filters.map { ($0.key, $0.value.qos, $0.value.subscriptionID) }, state.sysReaders > 0)
        }
        for (filter, qos, id) in filters { self.subscribe(filter, qos: qos, id: id) }
        if sys { self.subscribeSys() }
    }

    func didSubscribe(messageID: Int32, grantedQoS: Int32) {
        self.state.withLock { state in
            guard let id = state.pendingSubscriptions.removeValue(forKey: messageID) else { return }
            let refusal: MQTTError? =
                grantedQoS >= 0x80
                ? MQTTError.reason(
                    grantedQoS, broker: self.settings.address.description,
                    refusing: id == Self.sysSubscriptionID
                        ? "the $SYS statistics subscription (backlog: sys needs read access to $SYS/broker/#)"
                        : "the subscription")
                : nil
            if id == Self.sysSubscriptionID {
                if refusal != nil || state.sysRefusal == nil { state.sysRefusal = refusal }
            } else if let counter = state.counters[id] {
                counter.refuse(refusal, filter: counter.filter)
            }
        }
    }

    func didReceive(subscriptionID id: UInt32, topic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer, at time: Double) {
        if id == Self.sysSubscriptionID {
            let topic = String(cString: topic)
            let text = String(decoding: payload, as: UTF8.self)
            self.state.withLock { _ = $0.sys.apply(topic: topic, payload: text, at: time) }
            return
        }
        let counter = self.state.withLock { $0.counters[id] }
        counter?.record(at: time)
    }

    func installCallbacks() {
        let pointer = self.handle.pointer
        mosquitto_connect_v5_callback_set(pointer) { _, object, reasonCode, _, _ in
            guard let object else { return }
            Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue().didConnect(reasonCode: reasonCode)
        }
        mosquitto_subscribe_v5_callback_set(pointer) { _, object, messageID, count, granted, _ in
            guard let object, count > 0, let granted else { return }
            Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue()
                .didSubscribe(messageID: messageID, grantedQoS: granted[0])
        }
        mosquitto_message_v5_callback_set(pointer) { _, object, message, properties in
            guard let object, let message, let topic = message.pointee.topic else { return }
            let connection = Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue()
            let time = MonotonicTime.now()
            let payload = UnsafeRawBufferPointer(start: message.pointee.payload, count: Int(message.pointee.payloadlen))
            let identifier = Int32(MQTT_PROP_SUBSCRIPTION_IDENTIFIER.rawValue)
            var id: UInt32 = 0
            var property = mosquitto_property_read_varint(properties, identifier, &id, false)
            while property != nil {
                connection.didReceive(subscriptionID: id, topic: topic, payload: payload, at: time)
                property = mosquitto_property_read_varint(property, identifier, &id, true)
            }
        }
    }
}

/// A dedicated thread for a blocking network loop.
enum MosquittoThread {
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = 512 * 1024
        thread.start()
    }
}
