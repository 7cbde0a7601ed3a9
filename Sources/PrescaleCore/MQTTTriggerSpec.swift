/// A `source: mqtt` trigger: the arrival rate of messages on a topic filter, and optionally the
/// broker's backlog, read from an MQTT broker.
///
/// Key names follow the MQTT scaler proposed to KEDA (`brokerAddress`, `topic`, `queryValue`, …), so
/// a KEDA user recognises them.
///
/// ```yaml
/// - type: external-push
///   metadata:
///     scalerAddress: prescale.prescale.svc:9090
///     source: mqtt
///     brokerAddress: mqtt://mosquitto.iot.svc:1883
///     topic: sensors/+/readings
///     queryValue: "100"        # messages in the window per replica
///     windowSeconds: "30"
/// ```
public struct MQTTTriggerSpec: Sendable, Hashable {
    /// `backlog`: whether the broker's queued-message count is added to the value.
    public enum Backlog: String, Sendable, Hashable, CaseIterable {
        /// Only the arrival rate (default).
        case none
        /// Also mosquitto's `$SYS` store count minus retained count: broker-wide and approximate.
        case sys
    }

    /// TLS files mounted into the Prescale pod (`ca`, `cert`, `key`) and `unsafeSsl`.
    public struct TLSFiles: Sendable, Hashable {
        /// CA bundle path; the system trust store when `nil`.
        public var ca: String?
        /// Client certificate path (with `key`).
        public var cert: String?
        /// Client private key path (with `cert`).
        public var key: String?
        /// Skip verification of the broker's certificate and host name.
        public var unsafeSsl: Bool

        /// Creates TLS settings.
        public init(ca: String? = nil, cert: String? = nil, key: String? = nil, unsafeSsl: Bool = false) {
            self.ca = ca
            self.cert = cert
            self.key = key
            self.unsafeSsl = unsafeSsl
        }
    }

    /// The broker (`brokerAddress`, required).
    public var broker: MQTTBrokerAddress
    /// The topic filter counted (`topic`, required).
    public var topic: MQTTTopicFilter
    /// Target per replica: messages in the window (plus backlog) each replica should handle
    /// (`queryValue`, required, > 0).
    public var queryValue: Double
    /// Active when the value is greater than this (`activationQueryValue`, default 0).
    public var activationQueryValue: Double
    /// The counting window (`windowSeconds`, default 30, 1 to 3600).
    public var windowSeconds: Int
    /// QoS of Prescale's counting subscription (`qos`, default 1).
    public var qos: Int
    /// `backlog`, default `none`.
    public var backlog: Backlog
    /// `username` (or `usernameFromEnv`, as resolved by KEDA).
    public var username: String?
    /// `password` (or `passwordFromEnv`, as resolved by KEDA).
    public var password: String?
    /// TLS settings; non-`nil` exactly for `mqtts://`.
    public var tls: TLSFiles?

    /// Creates a spec.
    public init(
        broker: MQTTBrokerAddress,
        topic: MQTTTopicFilter,
        queryValue: Double,
        activationQueryValue: Double = 0,
        windowSeconds: Int = 30,
        qos: Int = 1,
        backlog: Backlog = .none,
        username: String? = nil,
        password: String? = nil,
        tls: TLSFiles? = nil
    ) {
        self.broker = broker
        self.topic = topic
        self.queryValue = queryValue
        self.activationQueryValue = activationQueryValue
        self.windowSeconds = windowSeconds
        self.qos = qos
        self.backlog = backlog
        self.username = username
        self.password = password
        self.tls = tls
    }

    /// The metric name reported to KEDA: `mqtt-<topic>`, sanitised.
    public var metricName: String {
        MetricName.sanitized("mqtt-\(self.topic.rawValue)")
    }
}
