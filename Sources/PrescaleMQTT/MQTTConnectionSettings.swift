import PrescaleCore

/// What identifies one broker connection: address, credentials and TLS. Triggers with equal settings
/// share one connection.
public struct MQTTConnectionSettings: Sendable, Hashable, CustomStringConvertible {
    /// The broker.
    public var address: MQTTBrokerAddress
    /// Username, if any.
    public var username: String?
    /// Password, if any.
    public var password: String?
    /// TLS files, for `mqtts://`.
    public var tls: MQTTTriggerSpec.TLSFiles?
    /// Seconds between keepalive pings. Default: 30.
    public var keepaliveSeconds: Int32 = 30
    /// How long to wait for the broker's CONNACK before giving up on an attempt. Default: 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// First reconnect delay; doubles after each failed attempt. Default: 1 s.
    public var initialReconnectDelay: Duration = .seconds(1)
    /// Longest reconnect delay. Default: 60 s.
    public var maximumReconnectDelay: Duration = .seconds(60)

    /// Creates settings.
    public init(address: MQTTBrokerAddress, username: String? = nil, password: String? = nil, tls: MQTTTriggerSpec.TLSFiles? = nil) {
        self.address = address
        self.username = username
        self.password = password
        self.tls = tls
    }

    /// The settings of a trigger's broker.
    public init(spec: MQTTTriggerSpec) {
        self.init(address: spec.broker, username: spec.username, password: spec.password, tls: spec.tls)
    }

    /// The broker address, with the user when there is one; never the password.
    public var description: String {
        self.username.map { "\(self.address) as \($0)" } ?? self.address.description
    }
}
