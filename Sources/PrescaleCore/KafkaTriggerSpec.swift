/// A `source: kafka` trigger: the metadata of KEDA's own `kafka` trigger, with the same keys, defaults
/// and validation, so a ScaledObject moves to Prescale by changing only `type` and adding
/// `scalerAddress` and `source`.
public struct KafkaTriggerSpec: Sendable, Hashable {
    /// `offsetResetPolicy`: where a consumer without a committed offset would start.
    public enum OffsetResetPolicy: String, Sendable, Hashable, CaseIterable {
        case latest, earliest
    }

    /// `sasl`: the SASL mechanism. The cases are spelled as KEDA's metadata values.
    public enum SASLMechanism: String, Sendable, Hashable, CaseIterable {
        // swift-format-ignore: AlwaysUseLowerCamelCase
        case none, plaintext, scram_sha256, scram_sha512, oauthbearer
    }

    /// Brokers to bootstrap from (`bootstrapServers`, comma list).
    public var bootstrapServers: [String]
    /// The consumer group whose lag is read (`consumerGroup`).
    public var consumerGroup: String
    /// The topic (`topic`); `nil` means every topic the group has committed offsets for.
    public var topic: String?
    /// Target lag per replica (`lagThreshold`, default 10).
    public var lagThreshold: Int64
    /// Active when total lag is greater than this (`activationLagThreshold`, default 0).
    public var activationLagThreshold: Int64
    /// `offsetResetPolicy`, default `latest`.
    public var offsetResetPolicy: OffsetResetPolicy
    /// `allowIdleConsumers`: do not cap the value at partitions × lagThreshold.
    public var allowIdleConsumers: Bool
    /// `excludePersistentLag`: partitions stuck on one offset do not count for the metric.
    public var excludePersistentLag: Bool
    /// How long a committed offset must stand still to count as persistent lag
    /// (`persistentLagWindowSeconds`, default 30, KEDA's default polling interval).
    public var persistentLagWindowSeconds: Double
    /// `scaleToZeroOnInvalidOffset`: partitions without a committed offset count 0.
    public var scaleToZeroOnInvalidOffset: Bool
    /// `limitToPartitionsWithLag`: cap at partitions-with-lag × lagThreshold.
    public var limitToPartitionsWithLag: Bool
    /// `ensureEvenDistributionOfPartitions`: report a factor of the partition count × lagThreshold.
    public var ensureEvenDistributionOfPartitions: Bool
    /// `partitionLimitation`, only with `topic`.
    public var partitionLimitation: PartitionLimitation?
    /// `version`, e.g. `1.0.0`; librdkafka negotiates versions itself, so it is only validated.
    public var version: String?
    /// TLS settings (`tls: enable`).
    public var tls: KafkaTLS?
    /// SASL settings.
    public var sasl: KafkaSASL?
    /// Milliseconds between samples (`sampleIntervalMs`, default 1000, 100 to 60000).
    public var sampleIntervalMilliseconds: Int

    /// TLS files, as paths mounted into the Prescale pod.
    public struct KafkaTLS: Sendable, Hashable {
        public var ca: String?
        public var cert: String?
        public var key: String?
        public var keyPassword: String?
    }

    /// SASL credentials.
    public struct KafkaSASL: Sendable, Hashable {
        public var mechanism: SASLMechanism
        public var username: String
        public var password: String
    }

    /// The metric name: `kafka-<topic>`, or `kafka-<group>-topics` without a topic, as KEDA names them.
    public var metricName: String {
        if let topic { return MetricName.sanitized("kafka-\(topic)") }
        return MetricName.sanitized("kafka-\(self.consumerGroup)-topics")
    }
}
