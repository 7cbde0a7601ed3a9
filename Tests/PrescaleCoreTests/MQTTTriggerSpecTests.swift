import PrescaleCore
import Testing

@Suite("MQTT trigger metadata")
struct MQTTTriggerSpecTests {
    static let base: [String: String] = [
        "scalerAddress": "prescale:9090", "source": "mqtt", "brokerAddress": "mqtt://mosquitto.iot:1883",
        "topic": "sensors/+/readings", "queryValue": "100",
    ]

    func parse(_ changes: [String: String?]) throws -> MQTTTriggerSpec {
        var metadata = Self.base
        for (key, value) in changes { metadata[key] = value }
        guard case .mqtt(let spec) = try TriggerSpec(metadata: metadata).source else { throw CancellationError() }
        return spec
    }

    func error(_ changes: [String: String?]) -> MetadataError? {
        do {
            _ = try self.parse(changes)
            return nil
        } catch let error as MetadataError {
            return error
        } catch {
            return nil
        }
    }

    @Test("defaults: window 30 s, QoS 1, no backlog, activation 0")
    func defaults() throws {
        let spec = try self.parse([:])
        #expect(spec.broker == MQTTBrokerAddress(host: "mosquitto.iot", port: 1883, usesTLS: false))
        #expect(spec.topic.rawValue == "sensors/+/readings")
        #expect(spec.queryValue == 100 && spec.activationQueryValue == 0)
        #expect(spec.windowSeconds == 30 && spec.qos == 1 && spec.backlog == .none)
        #expect(spec.username == nil && spec.password == nil && spec.tls == nil)
        #expect(spec.metricName == "mqtt-sensors-readings")
        let trigger = try TriggerSpec(metadata: Self.base)
        #expect(trigger.kind == .mqtt && trigger.target == 100 && trigger.activationThreshold == 0)
    }

    @Test("credentials, resolved FromEnv keys and TLS")
    func credentialsAndTLS() throws {
        let tls = try self.parse([
            "brokerAddress": "mqtts://mosquitto.iot", "usernameFromEnv": "alice", "passwordFromEnv": "s3cret",
            "ca": "/etc/prescale/ca.pem", "cert": "/c.pem", "key": "/k.pem", "unsafeSsl": "true",
        ])
        #expect(tls.broker.port == 8883 && tls.broker.usesTLS)
        #expect(tls.username == "alice" && tls.password == "s3cret")
        #expect(tls.tls == .init(ca: "/etc/prescale/ca.pem", cert: "/c.pem", key: "/k.pem", unsafeSsl: true))
        let insecure = try self.parse(["username": "bob", "password": "pw", "allowInsecureAuth": "true"])
        #expect(insecure.username == "bob" && insecure.tls == nil)
        #expect(try self.parse(["brokerAddress": "mqtt://[::1]:1884"]).broker == .init(host: "::1", port: 1884, usesTLS: false))
        let fromEnv = try self.parse([
            "brokerAddress": nil, "topic": nil, "brokerAddressFromEnv": "mqtt://broker.env:1884", "topicFromEnv": "env/+/t",
        ])
        #expect(fromEnv.broker == .init(host: "broker.env", port: 1884, usesTLS: false))
        #expect(fromEnv.topic.description == "env/+/t")
    }

    @Test(
        "each bad value names its key",
        arguments: [
            (["brokerAddress": nil], "brokerAddress"),
            (["brokerAddress": "tcp://mosquitto:1883"], "brokerAddress"),
            (["brokerAddress": "mqtt://mosquitto:0"], "brokerAddress"),
            (["brokerAddress": "mqtt://mosquitto:1883/path"], "brokerAddress"),
            (["brokerAddress": "mqtt://user:pw@mosquitto"], "brokerAddress"),
            (["topic": nil], "topic"),
            (["topic": "a/#/b"], "topic"),
            (["topic": "a/b#"], "topic"),
            (["topic": "a/b+/c"], "topic"),
            (["topic": "$share/workers/jobs"], "topic"),
            (["queryValue": nil], "queryValue"),
            (["queryValue": "0"], "queryValue"),
            (["queryValue": "lots"], "queryValue"),
            (["activationQueryValue": "-1"], "activationQueryValue"),
            (["windowSeconds": "0"], "windowSeconds"),
            (["windowSeconds": "3601"], "windowSeconds"),
            (["windowSeconds": "1.5"], "windowSeconds"),
            (["qos": "3"], "qos"),
            (["backlog": "queue"], "backlog"),
            (["username": "alice"], "username"),
            (["usernameFromEnv": "alice"], "usernameFromEnv"),
            (["password": "pw"], "password"),
            (["username": "a", "usernameFromEnv": "b", "allowInsecureAuth": "true"], "usernameFromEnv"),
            (["allowInsecureAuth": "yes"], "allowInsecureAuth"),
            (["ca": "/ca.pem"], "ca"),
            (["brokerAddress": "mqtts://m", "cert": "/c.pem"], "key"),
            (["unsafeSsl": "maybe"], "unsafeSsl"),
            (["windowSecond": "10"], "windowSecond"),
            (["QueryValue": "10"], "QueryValue"),
        ] as [([String: String?], String)])
    func badValues(changes: [String: String?], key: String) throws {
        let error = try #require(self.error(changes))
        #expect(error.key == key)
        #expect(error.description.contains("\"\(key)\""))
    }

    @Test("the message says what is allowed")
    func messages() throws {
        let topic = try #require(self.error(["topic": "a/#/b"]))
        #expect(topic.description.contains("\"#\" must be the whole last level"))
        let auth = try #require(self.error(["username": "alice"]))
        #expect(auth.description.contains("allowInsecureAuth"))
        let share = try #require(self.error(["topic": "$share/g/jobs"]))
        #expect(share.description.contains("without \"$share/<group>/\""))
    }
}

@Suite("MQTT topic filters")
struct MQTTTopicFilterTests {
    @Test("valid filters", arguments: ["#", "+", "a/b", "a/+/c", "a/#", "+/+/#", "/", "a//b", "$SYS/broker/uptime"])
    func valid(filter: String) throws {
        #expect(try MQTTTopicFilter(filter).rawValue == filter)
    }

    @Test("invalid filters", arguments: ["", "a/#/b", "#/a", "a#", "a/b+", "+a/b", "a/\u{0}", "$share/g/a"])
    func invalid(filter: String) {
        #expect(throws: MetadataError.self) { try MQTTTopicFilter(filter) }
    }

    @Test("matching follows the specification, including $ topics")
    func matching() throws {
        #expect(try MQTTTopicFilter("a/+/c").matches("a/b/c"))
        #expect(try !MQTTTopicFilter("a/+/c").matches("a/b/c/d"))
        #expect(try MQTTTopicFilter("a/#").matches("a"))
        #expect(try MQTTTopicFilter("a/#").matches("a/b/c"))
        #expect(try !MQTTTopicFilter("#").matches("$SYS/broker/uptime"))
        #expect(try MQTTTopicFilter("$SYS/#").matches("$SYS/broker/uptime"))
        #expect(try !MQTTTopicFilter("a/b").matches("a/b/"))
    }
}
