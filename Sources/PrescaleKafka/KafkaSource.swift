import PrescaleCore

/// The `source: kafka` source of one trigger: KEDA's lag rules applied to the shared sampler's reads.
public struct KafkaSource: MetricSource {
    /// The trigger's settings.
    public let spec: KafkaTriggerSpec
    /// Where samplers and clients live.
    public let pool: KafkaSamplerPool

    /// Creates the source.
    public init(spec: KafkaTriggerSpec, pool: KafkaSamplerPool) {
        self.spec = spec
        self.pool = pool
    }

    /// The sample interval.
    var interval: Duration { .milliseconds(self.spec.sampleIntervalMilliseconds) }

    /// ``Staleness``: a sample older than this is never served as current.
    public var staleAfter: Duration? { Staleness.bound(interval: self.interval) }

    /// The sampler this trigger reads.
    public var samplerKey: KafkaSamplerKey {
        KafkaSamplerKey(settings: KafkaClientSettings(spec: self.spec), group: self.spec.consumerGroup, topic: self.spec.topic)
    }

    public func run(into sink: any SampleSink) async throws {
        var tracker = PersistentLagTracker(window: self.spec.persistentLagWindowSeconds)
        var commits = CommitCadence<TopicPartition>()
        let rules = KafkaLagRules(spec: self.spec)
        try await self.pool.withSamples(for: self.samplerKey, interval: self.interval) { samples in
            for await sample in samples {
                switch sample.offsets {
                case .success(let read):
                    let offsets = self.limited(read)
                    let persistent = tracker.update(offsets, now: sample.time)
                    let result = rules.evaluate(offsets, persistent: persistent)
                    // Partitions with a committed offset: the sawtooth of periodic commits (KEDA's lag rules
                    // are unchanged; only the planner is told).
                    let uncommitted = commits.update(
                        time: sample.time,
                        reads: offsets.committed.lazy.filter { $0.value >= 0 }.map { partition, committed in
                            (key: partition, committed: Double(committed), lag: Double((offsets.end[partition] ?? committed) - committed))
                        })
                    sink.publish(
                        MetricSample(
                            time: sample.time,
                            reactiveValue: Double(result.value),
                            activityValue: Double(result.totalLagWithPersistent),
                            backlog: Double(result.totalLag),
                            arrived: Double(offsets.end.values.reduce(0, &+)),
                            consumed: Double(offsets.committed.values.reduce(0) { $0 &+ max($1, 0) }),
                            uncommitted: uncommitted,
                            maximumConsumers: offsets.end.count,
                            valueCap: result.cap.map { Double(max($0, result.value)) }
                        )
                    )
                case .failure(let error):
                    sink.fail(SourceFailure(error: error))
                }
            }
        }
    }

    /// Applies `partitionLimitation` (only with a topic, as KEDA).
    func limited(_ offsets: KafkaOffsets) -> KafkaOffsets {
        guard let limitation = self.spec.partitionLimitation else { return offsets }
        return KafkaOffsets(
            committed: offsets.committed.filter { limitation.contains($0.key.partition) },
            end: offsets.end.filter { limitation.contains($0.key.partition) }
        )
    }
}

extension SourceFailure {
    /// A Kafka error as the trigger reports it.
    init(error: KafkaError) {
        switch error.code {
        case .unknownTopic: self.init(.invalidConfiguration, "kafka: \(error.message)")
        case .unreachable: self.init(.unreachable, "kafka: \(error.message)")
        case .authentication: self.init(.authenticationFailed, "kafka: \(error.message)")
        default: self.init(.other, "kafka: \(error.message)")
        }
    }
}

extension KafkaClientSettings {
    /// librdkafka settings for a trigger's brokers and security.
    public init(spec: KafkaTriggerSpec) {
        var security: [String: String] = [:]
        let tls = spec.tls != nil
        if let sasl = spec.sasl {
            security["security.protocol"] = tls ? "sasl_ssl" : "sasl_plaintext"
            switch sasl.mechanism {
            case .plaintext: security["sasl.mechanisms"] = "PLAIN"
            case .scram_sha256: security["sasl.mechanisms"] = "SCRAM-SHA-256"
            case .scram_sha512: security["sasl.mechanisms"] = "SCRAM-SHA-512"
            default: break
            }
            security["sasl.username"] = sasl.username
            security["sasl.password"] = sasl.password
        } else if tls {
            security["security.protocol"] = "ssl"
        }
        if let files = spec.tls {
            if let ca = files.ca { security["ssl.ca.location"] = ca }
            if let cert = files.cert { security["ssl.certificate.location"] = cert }
            if let key = files.key { security["ssl.key.location"] = key }
            if let password = files.keyPassword { security["ssl.key.password"] = password }
        }
        self.init(bootstrapServers: spec.bootstrapServers, security: security)
    }
}
