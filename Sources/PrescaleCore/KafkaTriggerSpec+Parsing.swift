extension KafkaTriggerSpec {
    /// Every key this source reads.
    public static let keys: Set<String> = [
        "source", "bootstrapServers", "consumerGroup", "topic", "lagThreshold", "activationLagThreshold",
        "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag", "persistentLagWindowSeconds",
        "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions",
        "partitionLimitation", "version", "tls", "ca", "cert", "key", "keyPassword", "sasl", "username",
        "password", "usernameFromEnv", "passwordFromEnv", "sampleIntervalMs", "bootstrapServersFromEnv",
        "consumerGroupFromEnv", "topicFromEnv",
    ]

    /// Keys that may come as `<key>FromEnv`, resolved by KEDA from the scale target's environment.
    public static let fromEnvKeys = ["bootstrapServers", "consumerGroup", "topic", "username", "password"]

    /// Parses KEDA `kafka` trigger metadata.
    public init(metadata given: MetadataReader) throws(MetadataError) {
        try given.rejectLikelyTypos(knownKeys: Self.keys.union(PredictionSpec.keys).union(TriggerSpec.commonKeys))
        let reader = try given.resolvingFromEnv(Self.fromEnvKeys)
        let servers = try reader.requiredString("bootstrapServers", allowed: "a comma-separated list of host:port")
            .split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !servers.isEmpty else {
            throw MetadataError(.missingKey, key: "bootstrapServers", allowed: "a comma-separated list of host:port")
        }
        for server in servers where !Self.isHostPort(server) {
            throw MetadataError(
                .invalidValue, key: "bootstrapServers", value: server, allowed: "a comma-separated list of host:port")
        }
        self.bootstrapServers = servers
        self.consumerGroup = try reader.requiredString("consumerGroup", allowed: "the consumer group's name")
        self.topic = reader.string("topic")
        self.lagThreshold = try Self.wholeNumber(reader, "lagThreshold", default: 10, positive: true)
        self.activationLagThreshold = try Self.wholeNumber(reader, "activationLagThreshold", default: 0, positive: false)
        self.offsetResetPolicy = try reader.choice("offsetResetPolicy", default: OffsetResetPolicy.latest)
        self.allowIdleConsumers = try reader.bool("allowIdleConsumers", default: false)
        self.excludePersistentLag = try reader.bool("excludePersistentLag", default: false)
        self.persistentLagWindowSeconds = try reader.double(
            "persistentLagWindowSeconds", default: 30, in: .between(1, 86_400))
        self.scaleToZeroOnInvalidOffset = try reader.bool("scaleToZeroOnInvalidOffset", default: false)
        self.limitToPartitionsWithLag = try reader.bool("limitToPartitionsWithLag", default: false)
        self.ensureEvenDistributionOfPartitions = try reader.bool("ensureEvenDistributionOfPartitions", default: false)
        self.sampleIntervalMilliseconds = try reader.integer("sampleIntervalMs", default: 1000, in: 100...60_000)

        if self.limitToPartitionsWithLag {
            guard self.topic != nil else {
                throw MetadataError(.conflict, key: "limitToPartitionsWithLag", value: "true", allowed: "it needs \"topic\"")
            }
            if self.allowIdleConsumers {
                throw MetadataError(
                    .conflict, key: "limitToPartitionsWithLag", value: "true",
                    allowed: "it cannot be combined with \"allowIdleConsumers\"")
            }
            if self.ensureEvenDistributionOfPartitions {
                throw MetadataError(
                    .conflict, key: "limitToPartitionsWithLag", value: "true",
                    allowed: "it cannot be combined with \"ensureEvenDistributionOfPartitions\"")
            }
        }
        if self.ensureEvenDistributionOfPartitions && self.topic == nil {
            throw MetadataError(
                .conflict, key: "ensureEvenDistributionOfPartitions", value: "true", allowed: "it needs \"topic\"")
        }
        // KEDA ignores partitionLimitation without a topic; it is still validated.
        if let limitation = reader.string("partitionLimitation") {
            let parsed = try PartitionLimitation(parsing: limitation)
            self.partitionLimitation = self.topic == nil ? nil : parsed
        }
        if let version = reader.string("version") {
            let parts = version.split(separator: ".", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else {
                throw MetadataError(
                    .invalidValue, key: "version", value: version, allowed: "a Kafka version such as \"1.0.0\" or \"2.8.1\"")
            }
            self.version = version
        }
        self.tls = try Self.parseTLS(reader)
        self.sasl = try Self.parseSASL(reader)
    }

    private static func wholeNumber(
        _ reader: MetadataReader,
        _ key: String,
        default defaultValue: Int64,
        positive: Bool
    ) throws(MetadataError) -> Int64 {
        let allowed = positive ? "a whole number > 0" : "a whole number >= 0"
        guard let text = reader.string(key) else { return defaultValue }
        guard let value = Int64(text), positive ? value > 0 : value >= 0 else {
            throw MetadataError(.invalidValue, key: key, value: reader.metadata[key], allowed: allowed)
        }
        return value
    }

    private static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return false }
        return !text[..<colon].contains(" ")
    }

    private static func parseTLS(_ reader: MetadataReader) throws(MetadataError) -> KafkaTLS? {
        let mode = reader.string("tls") ?? "disable"
        switch mode {
        case "disable":
            return nil
        case "enable":
            let tls = KafkaTLS(
                ca: reader.string("ca"),
                cert: reader.string("cert"),
                key: reader.string("key"),
                keyPassword: reader.string("keyPassword")
            )
            if tls.cert != nil && tls.key == nil {
                throw MetadataError(.missingKey, key: "key", allowed: "a client key file path when \"cert\" is given")
            }
            if tls.key != nil && tls.cert == nil {
                throw MetadataError(.missingKey, key: "cert", allowed: "a client certificate file path when \"key\" is given")
            }
            return tls
        default:
            throw MetadataError(.invalidValue, key: "tls", value: mode, allowed: "\"enable\" or \"disable\"")
        }
    }

    private static func parseSASL(_ reader: MetadataReader) throws(MetadataError) -> KafkaSASL? {
        let mechanism = try reader.choice("sasl", default: SASLMechanism.none)
        switch mechanism {
        case .none:
            return nil
        case .oauthbearer:
            throw MetadataError(
                .invalidValue, key: "sasl", value: "oauthbearer",
                allowed: "one of \"none\", \"plaintext\", \"scram_sha256\", \"scram_sha512\" "
                    + "(oauthbearer is unsupported by Prescale: KEDA's token settings are not forwarded to external scalers)")
        case .plaintext, .scram_sha256, .scram_sha512:
            let username = reader.string("username")
            let password = reader.string("password")
            guard let username else {
                throw MetadataError(.missingKey, key: "username", allowed: "a user name when sasl is \(mechanism.rawValue)")
            }
            guard let password else {
                throw MetadataError(
                    .missingKey, key: "password",
                    allowed: "a password (or passwordFromEnv) when sasl is \(mechanism.rawValue)")
            }
            return KafkaSASL(mechanism: mechanism, username: username, password: password)
        }
    }
}
