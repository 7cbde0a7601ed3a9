import PrescaleCore
import Testing

@Suite("Kafka trigger metadata, as KEDA's kafka trigger")
struct KafkaTriggerSpecTests {
    static let base: [String: String] = [
        "source": "kafka", "bootstrapServers": "kafka-0:9092, kafka-1:9092", "consumerGroup": "workers",
        "topic": "Orders.EU",
    ]

    func parse(_ changes: [String: String?]) throws -> KafkaTriggerSpec {
        var metadata = Self.base
        for (key, value) in changes { metadata[key] = value }
        guard case .kafka(let spec) = try TriggerSpec(metadata: metadata).source else { throw CancellationError() }
        return spec
    }

    @Test("defaults match KEDA's")
    func defaults() throws {
        let spec = try self.parse([:])
        #expect(spec.bootstrapServers == ["kafka-0:9092", "kafka-1:9092"])
        #expect(spec.lagThreshold == 10)
        #expect(spec.activationLagThreshold == 0)
        #expect(spec.offsetResetPolicy == .latest)
        #expect(!spec.allowIdleConsumers && !spec.excludePersistentLag && !spec.scaleToZeroOnInvalidOffset)
        #expect(spec.persistentLagWindowSeconds == 30)
        #expect(spec.sampleIntervalMilliseconds == 1000)
        #expect(spec.metricName == "kafka-orders-eu")
        #expect(try self.parse(["topic": nil]).metricName == "kafka-workers-topics")
        let trigger = try TriggerSpec(metadata: Self.base)
        #expect(trigger.target == 10 && trigger.activationThreshold == 0)
    }

    @Test(
        "valid values parse",
        arguments: [
            (["offsetResetPolicy": "earliest"], "earliest"),
            (["partitionLimitation": " 1, 2 ,10-12"], "partitions"),
            (["sasl": " scram_sha512 ", "username": "u", "password": "p"], "sasl"),
            (["tls": "enable", "ca": "/ca.pem"], "tls"),
            (["version": "2.8.1"], "version"),
            (["limitToPartitionsWithLag": "true"], "limit"),
        ] as [([String: String], String)])
    func validValues(_ changes: [String: String], _ what: String) throws {
        let spec = try self.parse(changes)
        switch what {
        case "earliest": #expect(spec.offsetResetPolicy == .earliest)
        case "partitions": #expect(spec.partitionLimitation == PartitionLimitation([1, 2, 10, 11, 12]))
        case "sasl": #expect(spec.sasl?.mechanism == .scram_sha512)
        case "tls": #expect(spec.tls?.ca == "/ca.pem")
        case "version": #expect(spec.version == "2.8.1")
        default: #expect(spec.limitToPartitionsWithLag)
        }
    }

    @Test("KEDA's resolved *FromEnv keys read as the plain keys; both forms at once are refused naming the FromEnv key")
    func fromEnvKeys() throws {
        let spec = try self.parse([
            "bootstrapServers": nil, "consumerGroup": nil, "topic": nil, "bootstrapServersFromEnv": "kafka.env:9092",
            "consumerGroupFromEnv": "env-group", "topicFromEnv": "env-topic", "sasl": "plaintext", "usernameFromEnv": "u",
            "passwordFromEnv": "p",
        ])
        #expect(spec.bootstrapServers == ["kafka.env:9092"])
        #expect(spec.consumerGroup == "env-group")
        #expect(spec.topic == "env-topic")
        #expect(spec.sasl?.mechanism == .plaintext && spec.sasl?.username == "u" && spec.sasl?.password == "p")
        for key in ["bootstrapServers", "consumerGroup", "topic"] {
            let error = #expect(throws: MetadataError.self) { try self.parse([key + "FromEnv": "x:1"]) }
            #expect(error?.code == .conflict && error?.key == key + "FromEnv")
        }
        // A FromEnv value is validated as the plain key's value.
        #expect(throws: MetadataError.self) { try self.parse(["bootstrapServers": nil, "bootstrapServersFromEnv": "no-port"]) }
    }

    @Test("partitionLimitation is ignored without topic, but still validated")
    func limitationWithoutTopic() throws {
        #expect(try self.parse(["topic": nil, "partitionLimitation": "1,2"]).partitionLimitation == nil)
        #expect(throws: MetadataError.self) { try self.parse(["topic": nil, "partitionLimitation": "a,b"]) }
    }

    /// One row per rule: the changes, the key the error must name, and a fragment of its message.
    static let badRows: [([String: String?], String, String)] = [
        (["bootstrapServers": nil], "bootstrapServers", "is required"),
        (["bootstrapServers": "kafka-0"], "bootstrapServers", "host:port"),
        (["consumerGroup": nil], "consumerGroup", "is required"),
        (["lagThreshold": "0"], "lagThreshold", "a whole number > 0"),
        (["lagThreshold": "1.5"], "lagThreshold", "a whole number > 0"),
        (["activationLagThreshold": "-1"], "activationLagThreshold", "a whole number >= 0"),
        (["offsetResetPolicy": "newest"], "offsetResetPolicy", "\"latest\", \"earliest\""),
        (["allowIdleConsumers": "yes"], "allowIdleConsumers", "\"true\" or \"false\""),
        (["excludePersistentLag": "nope"], "excludePersistentLag", "\"true\" or \"false\""),
        (["scaleToZeroOnInvalidOffset": "2"], "scaleToZeroOnInvalidOffset", "\"true\" or \"false\""),
        (["limitToPartitionsWithLag": "true", "topic": nil], "limitToPartitionsWithLag", "needs \"topic\""),
        (["limitToPartitionsWithLag": "true", "allowIdleConsumers": "true"], "limitToPartitionsWithLag", "allowIdleConsumers"),
        (
            ["limitToPartitionsWithLag": "true", "ensureEvenDistributionOfPartitions": "true"], "limitToPartitionsWithLag",
            "ensureEvenDistributionOfPartitions"
        ),
        (["ensureEvenDistributionOfPartitions": "true", "topic": nil], "ensureEvenDistributionOfPartitions", "needs \"topic\""),
        (["partitionLimitation": "1-2-3"], "partitionLimitation", "inclusive ranges"),
        (["partitionLimitation": "a,b"], "partitionLimitation", "inclusive ranges"),
        (["partitionLimitation": "a-3"], "partitionLimitation", "inclusive ranges"),
        (["version": "1.2.3.4"], "version", "a Kafka version"),
        (["tls": "on"], "tls", "\"enable\" or \"disable\""),
        (["tls": "enable", "cert": "/c.pem"], "key", "when \"cert\" is given"),
        (["tls": "enable", "key": "/k.pem"], "cert", "when \"key\" is given"),
        (["sasl": "kerberos"], "sasl", "one of"),
        (["sasl": "plaintext", "password": "p"], "username", "is required"),
        (["sasl": "scram_sha256", "username": "u"], "password", "is required"),
        (["sasl": "oauthbearer"], "sasl", "unsupported"),
        (["sampleIntervalMs": "10"], "sampleIntervalMs", "from 100 to 60000"),
        (["persistentLagWindowSeconds": "0"], "persistentLagWindowSeconds", "from 1 to 86400"),
        (["lagTreshold": "5"], "lagTreshold", "did you mean \"lagThreshold\""),
    ]

    @Test("every bad value names its key and what is allowed", arguments: badRows)
    func badValues(_ changes: [String: String?], _ key: String, _ fragment: String) {
        #expect {
            _ = try self.parse(changes)
        } throws: { error in
            guard let error = error as? MetadataError else { return false }
            return error.key == key && error.description.contains(fragment)
        }
    }

    @Test("a password never appears in an error message, even when the refused key is the one holding it")
    func passwordNotEchoed() {
        // A misspelt password key: the error is about that very key, so its value was a candidate to echo.
        #expect {
            _ = try self.parse(["sasl": "plaintext", "username": "u", "passwrd": "hunter2-secret"])
        } throws: { error in
            let text = String(describing: error)
            return (error as? MetadataError)?.key == "passwrd" && !text.contains("hunter2-secret")
        }
    }
}
