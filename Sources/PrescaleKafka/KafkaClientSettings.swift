import CRdKafka

/// What identifies a Kafka connection: brokers and security. Triggers with equal settings share one
/// client.
public struct KafkaClientSettings: Sendable, Hashable {
    /// `host:port` of the brokers to bootstrap from.
    public var bootstrapServers: [String]
    /// librdkafka properties for security (`security.protocol`, `sasl.*`, `ssl.*`).
    public var security: [String: String]
    /// How long one blocking request may take. Default: 3 s.
    public var requestTimeoutMilliseconds: Int32

    /// Creates settings.
    public init(bootstrapServers: [String], security: [String: String] = [:], requestTimeoutMilliseconds: Int32 = 3000) {
        self.bootstrapServers = bootstrapServers
        self.security = security
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
    }

    /// A librdkafka configuration with these settings plus `extra`.
    func makeConfiguration(extra: [String: String] = [:]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(.configuration, "rd_kafka_conf_new failed") }
        var properties: [String: String] = [
            "bootstrap.servers": self.bootstrapServers.joined(separator: ","),
            // librdkafka's own log lines would repeat every reconnect; Prescale logs state changes itself.
            "log_level": "0",
            "socket.timeout.ms": String(max(self.requestTimeoutMilliseconds, 10)),
            "reconnect.backoff.ms": "100",
            "reconnect.backoff.max.ms": "10000",
            "topic.metadata.refresh.interval.ms": "30000",
        ]
        properties.merge(self.security) { $1 }
        properties.merge(extra) { $1 }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = String(errorBuffer: errorText)
                // Name the property, never its value: it may be a password.
                throw KafkaError(.configuration, "librdkafka refused \(name): \(reason)")
            }
        }
        return conf
    }
}
