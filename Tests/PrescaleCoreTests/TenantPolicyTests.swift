import PrescaleCore
import Testing

@Suite("Multi-tenant safety: credential names and the broker allowlist")
struct TenantPolicyTests {
    static let kafkaTLS: [String: String] = [
        "source": "kafka", "bootstrapServers": "kafka.shop.svc:9092", "consumerGroup": "g", "topic": "t",
        "tls": "enable", "ca": "kafka-ca.pem", "cert": "client.pem", "key": "client.key",
    ]

    @Test("credential names resolve under <dir>/<namespace>/, so namespaces cannot reach each other's files")
    func credentialsResolvePerNamespace() throws {
        let policy = TenantPolicy(credentialFiles: .perNamespace(directory: "/etc/prescale/credentials/"))
        let spec = try policy.apply(to: try TriggerSpec(metadata: Self.kafkaTLS), namespace: "shop")
        guard case .kafka(let kafka) = spec.source else {
            Issue.record("not a kafka spec")
            return
        }
        #expect(kafka.tls?.ca == "/etc/prescale/credentials/shop/kafka-ca.pem")
        #expect(kafka.tls?.cert == "/etc/prescale/credentials/shop/client.pem")
        #expect(kafka.tls?.key == "/etc/prescale/credentials/shop/client.key")
        let mqtt = try policy.apply(
            to: try TriggerSpec(metadata: [
                "source": "mqtt", "brokerAddress": "mqtts://m:8883", "topic": "a", "queryValue": "1", "ca": "ca.pem",
            ]),
            namespace: "plant"
        )
        guard case .mqtt(let mqttSpec) = mqtt.source else {
            Issue.record("not an mqtt spec")
            return
        }
        #expect(mqttSpec.tls?.ca == "/etc/prescale/credentials/plant/ca.pem")
    }

    @Test(
        "absolute paths and .. are INVALID_ARGUMENT naming the key",
        arguments: ["/etc/shadow", "../billing/ca.pem", "a/../../b", "./ca.pem", ""])
    func escapesRefused(_ name: String) throws {
        var metadata = Self.kafkaTLS
        metadata["ca"] = name.isEmpty ? "x//y" : name
        let policy = TenantPolicy(credentialFiles: .perNamespace(directory: "/creds"))
        let error = #expect(throws: MetadataError.self) { try policy.apply(to: try TriggerSpec(metadata: metadata), namespace: "shop") }
        #expect(error?.key == "ca")
        #expect(error?.description.contains("--credentials-dir") == true)
    }

    @Test("by default every file key is refused, naming the key and both ways to allow it", arguments: ["ca", "cert", "key"])
    func fileKeysRefusedByDefault(_ key: String) throws {
        var metadata = ["source": "kafka", "bootstrapServers": "kafka.shop.svc:9092", "consumerGroup": "g", "topic": "t", "tls": "enable"]
        metadata[key] = "/etc/passwd"
        if key == "cert" { metadata["key"] = "client.key" }
        if key == "key" { metadata["cert"] = "client.pem" }
        let error = #expect(throws: MetadataError.self) {
            try TenantPolicy().apply(to: try TriggerSpec(metadata: metadata), namespace: "shop")
        }
        // cert and key are checked in the order ca, cert, key, so a pair reports cert first.
        #expect(error?.key == (key == "key" ? "cert" : key))
        #expect(error?.description.contains("--credentials-dir") == true)
        #expect(error?.description.contains("--allow-credential-paths enabled") == true)
        // Without file keys the same trigger is fine.
        metadata.removeValue(forKey: "ca")
        metadata.removeValue(forKey: "cert")
        metadata.removeValue(forKey: "key")
        _ = try TenantPolicy().apply(to: try TriggerSpec(metadata: metadata), namespace: "shop")
    }

    @Test("with --allow-credential-paths file keys stay paths, wherever they point")
    func pathsWhenAllowed() throws {
        var metadata = Self.kafkaTLS
        metadata["ca"] = "../../etc/passwd"
        let spec = try TenantPolicy(credentialFiles: .anyPath).apply(to: try TriggerSpec(metadata: metadata), namespace: "shop")
        guard case .kafka(let kafka) = spec.source else {
            Issue.record("not a kafka spec")
            return
        }
        #expect(kafka.tls?.ca == "../../etc/passwd")
        #expect(kafka.tls?.cert == "client.pem")
    }

    @Test("the allowlist takes host names, *.suffix patterns, addresses and CIDRs")
    func allowlistMatching() throws {
        let list = try BrokerAllowlist("kafka.shop.svc, *.kafka.svc.cluster.local, 10.0.0.0/8, 192.168.1.10, fd00::/8")
        #expect(list.allows(host: "kafka.shop.svc"))
        #expect(list.allows(host: "KAFKA.shop.svc."))
        #expect(list.allows(host: "b-1.kafka.svc.cluster.local"))
        #expect(!list.allows(host: "kafka.svc.cluster.local"))
        #expect(!list.allows(host: "evil-kafka.svc.cluster.local.attacker.io"))
        #expect(list.allows(host: "10.200.3.4"))
        #expect(!list.allows(host: "11.0.0.1"))
        #expect(list.allows(host: "192.168.1.10"))
        #expect(!list.allows(host: "192.168.1.11"))
        #expect(list.allows(host: "[fd12::1]"))
        #expect(!list.allows(host: "::1"))
        #expect(!list.allows(host: "metadata.google.internal"))
        #expect(BrokerAllowlist.host(ofHostPort: "[fd00::1]:9092") == "fd00::1")
        #expect(BrokerAllowlist.host(ofHostPort: "kafka:9092") == "kafka")
    }

    @Test(
        "a broker outside the allowlist is refused naming the key and the flag",
        arguments: [
            ("bootstrapServers", ["source": "kafka", "bootstrapServers": "kafka.shop.svc:9092,169.254.169.254:80", "consumerGroup": "g"]),
            ("brokerAddress", ["source": "mqtt", "brokerAddress": "mqtt://10.1.2.3:1883", "topic": "a", "queryValue": "1"]),
        ])
    func brokersRefused(_ key: String, _ metadata: [String: String]) throws {
        let policy = TenantPolicy(allowedBrokers: try BrokerAllowlist("*.shop.svc,kafka.shop.svc"))
        let error = #expect(throws: MetadataError.self) { try policy.apply(to: try TriggerSpec(metadata: metadata), namespace: "shop") }
        #expect(error?.key == key)
        #expect(error?.description.contains("--allowed-brokers (*.shop.svc,kafka.shop.svc)") == true)
    }

    @Test("bad allowlist entries are refused", arguments: ["", "10.0.0.0/33", "a..b", "*.", "http://x", "300.1.1.1/8"])
    func badEntries(_ text: String) {
        #expect(throws: MetadataError.self) { try BrokerAllowlist(text) }
    }
}
