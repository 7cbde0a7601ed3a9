import CMosquitto
import Dispatch
import PrescaleCore
import Synchronization

/// One libmosquitto client connected to one broker with one set of credentials, shared by every
/// trigger on that broker.
///
/// - The network loop runs on the connection's own thread (``run()``), never on the Swift concurrency
///   pool. It connects, reconnects with backoff (1 s doubling to 60 s by default) and resubscribes.
/// - It speaks MQTT v5 with a private client id and a clean start, so it never joins the workers'
///   shared subscription and leaves no session behind. Each topic filter gets a subscription
///   identifier, so a message is counted for exactly the filters the broker delivered it for.
/// - Messages are counted, never stored: ``MQTTMessageCounter`` per filter.
/// - With any `backlog: sys` trigger it keeps one long-lived subscription to mosquitto's `$SYS`
///   statistics and caches them (``MosquittoSysStatistics``).
public final class MQTTConnection: Sendable {
    /// Where the connection stands.
    public enum Status: Sendable, Hashable {
        /// The first attempt is in progress (since the given monotonic time).
        case connecting(since: Double)
        /// Connected and subscribed (since the given time).
        case connected(since: Double)
        /// Not connected since the given time, because of the error; reconnecting with backoff.
        case disconnected(since: Double, MQTTError)
    }

    struct Filter {
        var counter: MQTTMessageCounter
        var subscriptionID: UInt32
        var qos: Int
        var readers: Int
    }

    struct State {
        var status: Status
        var filters: [String: Filter] = [:]
        var counters: [UInt32: MQTTMessageCounter] = [:]
        var nextSubscriptionID: UInt32 = MQTTConnection.firstFilterSubscriptionID
        var sysReaders = 0
        var sys = MosquittoSysStatistics()
        var sysRefusal: MQTTError?
        var pendingSubscriptions: [Int32: UInt32] = [:]
        var connackFailure: MQTTError?
        var connectedThisAttempt = false
        var stopping = false
        /// The network thread has finished with the client and destroys it: nothing may use the pointer.
        var closed = false
    }

    /// The subscription identifier of the `$SYS` subscriptions.
    static let sysSubscriptionID: UInt32 = 1
    static let firstFilterSubscriptionID: UInt32 = 2

    /// Broker, credentials and TLS.
    public let settings: MQTTConnectionSettings
    /// The private client id (`prescale-` and random hex).
    public let clientID: String
    let handle: MosquittoHandle
    let state: Mutex<State>
    /// Signalled by ``stop()`` to cut a reconnect delay short.
    let wakeup = DispatchSemaphore(value: 0)

    /// Creates a client (not yet connected; see ``run()``).
    ///
    /// - Throws: ``MQTTError`` with ``MQTTError/Code/invalidConfiguration`` for TLS files that cannot be
    ///   read, or when libmosquitto cannot create a client.
    public init(settings: MQTTConnectionSettings) throws(MQTTError) {
        _ = MosquittoLibrary.initialized
        self.settings = settings
        self.clientID = "prescale-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        guard let pointer = mosquitto_new(self.clientID, true, nil) else {
            throw MQTTError(.other, "mqtt \(settings.address): libmosquitto cannot create a client")
        }
        self.handle = MosquittoHandle(pointer: pointer)
        self.state = Mutex(State(status: .connecting(since: MonotonicTime.now())))
        do throws(MQTTError) {
            try self.configure()
        } catch {
            mosquitto_destroy(pointer)
            throw error
        }
        mosquitto_user_data_set(pointer, Unmanaged.passUnretained(self).toOpaque())
        self.installCallbacks()
    }

    private func configure() throws(MQTTError) {
        let pointer = self.handle.pointer
        let broker = self.settings.address.description
        mosquitto_threaded_set(pointer, true)
        mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        if let username = self.settings.username {
            let rc = mosquitto_username_pw_set(pointer, username, self.settings.password)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                throw MQTTError(.invalidConfiguration, "mqtt \(broker): the username or password is not valid UTF-8")
            }
        }
        if let tls = self.settings.tls {
            let rc = mosquitto_tls_set(
                pointer, tls.ca, tls.ca == nil ? "/etc/ssl/certs" : nil, tls.cert, tls.key, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                let files = [("ca", tls.ca), ("cert", tls.cert), ("key", tls.key)].compactMap { key, path in
                    path.map { "\(key)=\($0)" }
                }
                throw MQTTError(
                    .invalidConfiguration,
                    "mqtt \(broker): cannot use the TLS files (\(files.joined(separator: ", "))): "
                        + "each must be a readable PEM file mounted into the Prescale pod")
            }
            if tls.unsafeSsl {
                mosquitto_tls_opts_set(pointer, 0, nil, nil)  // SSL_VERIFY_NONE
                mosquitto_tls_insecure_set(pointer, true)
            }
        }
    }

    /// The connection's status.
    public var status: Status {
        self.state.withLock { $0.status }
    }

    /// The cached `$SYS` statistics, and why they are missing if the broker refused them.
    public var sysStatistics: (statistics: MosquittoSysStatistics, refusal: MQTTError?) {
        self.state.withLock { ($0.sys, $0.sysRefusal) }
    }

    // MARK: Filters

    /// Starts counting `filter` (at least at `qos`) in a `windowSeconds` window, and returns its counter.
    /// The broker subscription is made now if connected, else on connect.
    func addReader(filter: MQTTTopicFilter, qos: Int, windowSeconds: Int) -> MQTTMessageCounter {
        let (counter, subscribe) = self.state.withLock { state -> (MQTTMessageCounter, (UInt32, Int)?) in
            if var existing = state.filters[filter.rawValue] {
                existing.readers += 1
                let raise = qos > existing.qos
                existing.qos = max(existing.qos, qos)
                state.filters[filter.rawValue] = existing
                let connected = if case .connected = state.status { true } else { false }
                return (existing.counter, raise && connected ? (existing.subscriptionID, existing.qos) : nil)
            }
            let counter = MQTTMessageCounter(filter: filter)
            let id = state.nextSubscriptionID
            state.nextSubscriptionID += 1
            state.filters[filter.rawValue] = Filter(counter: counter, subscriptionID: id, qos: qos, readers: 1)
            state.counters[id] = counter
            let connected = if case .connected = state.status { true } else { false }
            return (counter, connected ? (id, qos) : nil)
        }
        counter.addReader(windowSeconds: windowSeconds, at: MonotonicTime.now())
        if let (id, qos) = subscribe { self.subscribe(filter.rawValue, qos: qos, id: id) }
        return counter
    }

    /// Stops one reader of `filter`; the broker subscription goes with the last one.
    func removeReader(filter: MQTTTopicFilter, windowSeconds: Int) {
        let unsubscribe = self.state.withLock { state -> Bool in
            guard var existing = state.filters[filter.rawValue] else { return false }
            existing.counter.removeReader(windowSeconds: windowSeconds)
            existing.readers -= 1
            if existing.readers > 0 {
                state.filters[filter.rawValue] = existing
                return false
            }
            state.filters.removeValue(forKey: filter.rawValue)
            state.counters.removeValue(forKey: existing.subscriptionID)
            if case .connected = state.status { return true }
            return false
        }
        if unsubscribe { self.withClient { client, _ in mosquitto_unsubscribe(client, nil, filter.rawValue) } }
    }

    /// Starts (or joins) the `$SYS` statistics subscription.
    func addSysReader() {
        let subscribe = self.state.withLock { state -> Bool in
            state.sysReaders += 1
            guard state.sysReaders == 1, case .connected = state.status else { return false }
            return true
        }
        if subscribe { self.subscribeSys() }
    }

    /// Leaves the `$SYS` subscription; it stays until the connection closes (the values are cached and
    /// a new `backlog: sys` trigger would otherwise wait for the broker's next publication).
    func removeSysReader() {
        self.state.withLock { $0.sysReaders -= 1 }
    }

    func subscribe(_ filter: String, qos: Int, id: UInt32) {
        var properties: OpaquePointer? = nil
        mosquitto_property_add_varint(&properties, Int32(MQTT_PROP_SUBSCRIPTION_IDENTIFIER.rawValue), id)
        defer { mosquitto_property_free_all(&properties) }
        var mid: Int32 = 0
        self.withClient { client, state in
            // Registered before the SUBACK can arrive: the network thread reads it under this lock.
            let rc = mosquitto_subscribe_v5(client, &mid, filter, Int32(qos), 0, properties)
            if rc == MOSQ_ERR_SUCCESS.rawValue { state.pendingSubscriptions[mid] = id }
        }
    }

    func subscribeSys() {
        for topic in MosquittoSysStatistics.Topic.all {
            self.subscribe(topic, qos: 0, id: Self.sysSubscriptionID)
        }
    }

    // MARK: Lifecycle

    /// Runs the network loop on its own thread until ``stop()``; returns when the thread has destroyed
    /// the client. Cancelling the task stops the connection.
    public func run() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                MosquittoThread.start(name: "prescale-mqtt") {
                    self.networkLoop()
                    continuation.resume()
                }
            }
        } onCancel: {
            self.stop()
        }
    }

    /// Asks the network loop to disconnect and finish.
    public func stop() {
        let first = self.state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        self.wakeup.signal()
        self.withClient { client, _ in mosquitto_disconnect(client) }
    }

    /// Runs `body` with the client and the state under the state lock, unless the network thread has
    /// already closed the client.
    ///
    /// The network thread destroys the client when it stops; a caller on another thread (a trigger leaving,
    /// ``stop()``) could otherwise use the pointer after that (found by ThreadSanitizer: an unsubscribe
    /// from an evicted trigger's cleanup after its connection was stopped).
    func withClient(_ body: (OpaquePointer, inout State) -> Void) {
        self.state.withLock { state in
            guard !state.closed else { return }
            body(self.handle.pointer, &state)
        }
    }

    var isStopping: Bool {
        self.state.withLock { $0.stopping }
    }
}

/// The libmosquitto client pointer. libmosquitto is thread-safe after `mosquitto_threaded_set`.
struct MosquittoHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// `mosquitto_lib_init`, once per process (it is not thread-safe; Swift globals initialise once).
enum MosquittoLibrary {
    static let initialized: Bool = {
        mosquitto_lib_init()
        return true
    }()
}
