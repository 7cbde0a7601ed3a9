import CRdKafka
import Glibc
import PrescaleCore

/// What identifies a Kafka connection: brokers and security. Triggers with equal settings share one
/// client.
public struct KafkaClientSettings: Sendable, Hashable {
    /// `host:port` of the brokers to bootstrap from.
    public var bootstrapServers: [String]
    /// librdkafka properties for security (`security.protocol`, `sasl.*`, `ssl.*`).
    public var security: [String: String]
    /// How long one blocking request may take. Default: 3 s.
    public var requestTimeoutMilliseconds: Int32
    /// The most partitions asked about in one committed-offsets or end-offsets call. librdkafka 2.0.2
    /// matches each partition of an answer against its request list linearly, so one call costs
    /// O(partitions²) CPU; chunks bound that at the price of one more OffsetFetch (and one more
    /// ListOffsets per leader) per chunk. Default: 1,000 (10,000 partitions: 75 ms and 4 × 10 requests
    /// per read instead of 520 ms and 4; docs/benchmarks.md). The server sets it from
    /// `--kafka-partitions-per-request` through ``KafkaSamplerPool``.
    public var partitionsPerRequest: Int = KafkaClientSettings.defaultPartitionsPerRequest

    /// The default chunk, 1,000 partitions.
    public static let defaultPartitionsPerRequest = KafkaReadChunk.defaultPartitions

    /// The timeout librdkafka itself applies to an Admin request (committed offsets): the longest it
    /// allows, one hour. It must never fire while a request waits for its group coordinator
    /// (``KafkaCommittedFetch``); the client is replaced at three quarters of it. Callers wait only
    /// ``requestTimeoutMilliseconds``. Tests shorten it.
    package var adminRequestTimeoutMilliseconds: Int = 3_600_000

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
            // Bounds recovery after an outage (with KafkaSampler.maximumFailurePause): librdkafka's
            // default of 10 s would add up to 10 s to every recovery.
            "reconnect.backoff.max.ms": "2000",
            "topic.metadata.refresh.interval.ms": "30000",
        ]
        properties.merge(self.security) { $1 }
        properties.merge(extra) { $1 }
        KafkaRequestStatistics.configure(conf, properties: &properties)
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
