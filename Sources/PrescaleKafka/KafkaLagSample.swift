import PrescaleCore

/// What a sampler publishes each interval: a read of offsets, or why there is none.
public struct KafkaLagSample: Sendable {
    /// When the read finished (``MonotonicTime``).
    public var time: Double
    /// The offsets, or the error that prevented reading them.
    public var offsets: Result<KafkaOffsets, KafkaError>
    /// How long the read took, in seconds.
    public var readDuration: Double
}

/// What a sampler is keyed by: one sampler serves every trigger with the same cluster, security,
/// group and topic.
public struct KafkaSamplerKey: Sendable, Hashable, CustomStringConvertible {
    /// The client settings (cluster and security).
    public var settings: KafkaClientSettings
    /// The consumer group.
    public var group: String
    /// The topic, or `nil` for every topic the group has committed.
    public var topic: String?

    /// Creates a key.
    public init(settings: KafkaClientSettings, group: String, topic: String?) {
        self.settings = settings
        self.group = group
        self.topic = topic
    }

    public var description: String {
        "group \"\(self.group)\" topic \(self.topic.map { "\"\($0)\"" } ?? "(all committed)") on \(self.settings.bootstrapServers.joined(separator: ","))"
    }
}
