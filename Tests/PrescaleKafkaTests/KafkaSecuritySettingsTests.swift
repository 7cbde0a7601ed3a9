import CRdKafka
import PrescaleCore
import PrescaleTesting
import Testing

@testable import PrescaleKafka

/// The README's Kafka TLS and SASL metadata keys, as the librdkafka properties they become, and a
/// client that librdkafka creates with them (so the properties exist in the library as built).
@Suite("Kafka TLS and SASL settings")
struct KafkaSecuritySettingsTests {
    static func settings(_ metadata: [String: String]) throws -> KafkaClientSettings {
        var full = metadata
        full["source"] = "kafka"
        full["bootstrapServers"] = "127.0.0.1:9"
        full["consumerGroup"] = "workers"
        full["topic"] = "orders"
        return KafkaClientSettings(spec: try KafkaTriggerSpec(metadata: MetadataReader(full)))
    }

    @Test("no tls and no sasl: no security properties (librdkafka's plaintext)")
    func plaintext() throws {
        #expect(try Self.settings([:]).security == [:])
    }

    @Test(
        "sasl plaintext, scram_sha256 and scram_sha512 without tls: sasl_plaintext with the mechanism and credentials",
        arguments: [
            ("plaintext", "PLAIN"), ("scram_sha256", "SCRAM-SHA-256"), ("scram_sha512", "SCRAM-SHA-512"),
        ])
    func sasl(mode: String, mechanism: String) async throws {
        let settings = try Self.settings(["sasl": mode, "username": "alice", "password": "s3cret"])
        #expect(
            settings.security == [
                "security.protocol": "sasl_plaintext", "sasl.mechanisms": mechanism,
                "sasl.username": "alice", "sasl.password": "s3cret",
            ])
        let handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: settings)
        await handle.close()
    }

    @Test("tls with a CA, a client certificate and key: ssl with their locations; with sasl: sasl_ssl")
    func tls() async throws {
        let certificates = try await TestCertificates.make()
        let files = [
            "tls": "enable", "ca": certificates.ca, "cert": certificates.serverCertificate, "key": certificates.serverKey,
        ]
        let settings = try Self.settings(files)
        #expect(
            settings.security == [
                "security.protocol": "ssl", "ssl.ca.location": certificates.ca,
                "ssl.certificate.location": certificates.serverCertificate, "ssl.key.location": certificates.serverKey,
            ])
        // librdkafka loads the files when the client is created: a bad path fails here, not later.
        let handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: settings)
        await handle.close()
        let withSASL = try Self.settings(files.merging(["sasl": "scram_sha512", "username": "alice", "password": "s3cret"]) { $1 })
        #expect(withSASL.security["security.protocol"] == "sasl_ssl")
        #expect(withSASL.security["sasl.mechanisms"] == "SCRAM-SHA-512")
        #expect(withSASL.security["ssl.ca.location"] == certificates.ca)
    }

    @Test("a CA file librdkafka cannot load is a configuration error naming the property, never a value")
    func unreadableCA() throws {
        let settings = try Self.settings([
            "tls": "enable", "ca": "/nonexistent/ca.pem", "sasl": "plaintext", "username": "alice", "password": "s3cret",
        ])
        #expect {
            _ = try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: settings)
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .configuration && error.message.contains("ssl.ca.location") && !error.message.contains("s3cret")
        }
    }
}
