import Foundation
import PrescaleCore
import PrescaleTesting
import Testing

@testable import PrescaleMQTT

/// Against a real mosquitto broker started per test on a free loopback port (`sys_interval 1`) and
/// stopped by PID.
@Suite("MQTT source against a real mosquitto broker", .serialized, .enabled(if: MosquittoBroker.isInstalled))
struct MQTTSourceTests {
    @Test("counts messages in the window from a known publish schedule, and lets them go")
    func rateOverWindow() async throws {
        let broker = try await MosquittoBroker.start()
        try await withPool { pool in
            try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "sensors/+/readings", "windowSeconds": "2"], pool: pool) {
                sink in
                try await eventually("first sample", sink: sink) { sink.value == 0 }
                let publisher = try await MQTTTestPublisher(port: broker.port)
                defer { publisher.close() }
                // 30 matching messages in two batches, plus 10 that do not match the filter.
                try publisher.publish(count: 10, topic: "sensors/a/readings", qos: 1)
                try publisher.publish(count: 10, topic: "sensors/a/status", qos: 1)
                try await eventually("the first batch counted", sink: sink) { sink.value == 10 }
                try publisher.publish(count: 20, topic: "sensors/b/readings", qos: 1)
                #expect(await publisher.flush())
                try await eventually("30 messages in the window", sink: sink) { sink.value == 30 }
                let sample = try #require(sink.latestSample)
                #expect(sample.arrived == 30)
                #expect(sample.backlog == nil)
                // A 2 s window empties within 3 s of the last message.
                try await eventually("the window empties", sink: sink) { sink.value == 0 }
                #expect(sink.latestSample?.arrived == 30)
            }
        }
    }

    @Test("overlapping filters on one connection each count every message once")
    func overlappingFilters() async throws {
        let broker = try await MosquittoBroker.start()
        try await withPool { pool in
            try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "plant/#", "windowSeconds": "60"], pool: pool) { wide in
                try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "plant/line1/+", "windowSeconds": "60"], pool: pool) {
                    narrow in
                    try await eventually("both sampled") { wide.value == 0 && narrow.value == 0 }
                    #expect(pool.liveConnections.count == 1)
                    let publisher = try await MQTTTestPublisher(port: broker.port)
                    defer { publisher.close() }
                    try publisher.publish(count: 7, topic: "plant/line1/temp", qos: 1)
                    try publisher.publish(count: 5, topic: "plant/line2/temp", qos: 1)
                    #expect(await publisher.flush())
                    try await eventually("wide filter sees 12", sink: wide) { wide.value == 12 }
                    try await eventually("narrow filter sees 7", sink: narrow) { narrow.value == 7 }
                    // Nothing is counted twice: one more message on a topic both match arrives after every
                    // earlier one (one connection, QoS 1, in order) and moves each count by exactly one.
                    try publisher.publish(count: 1, topic: "plant/line1/pressure", qos: 1)
                    #expect(await publisher.flush())
                    try await eventually("both see the last message") { (wide.value ?? 0) >= 13 && (narrow.value ?? 0) >= 8 }
                    #expect(wide.value == 13 && narrow.value == 8)
                }
            }
            try await eventually("the connection closes with its last trigger") { pool.liveConnections.isEmpty }
        }
    }

    @Test("$SYS backlog rises by the messages queued for an offline persistent session, and drops back")
    func sysBacklog() async throws {
        let broker = try await MosquittoBroker.start()
        try await withPool { pool in
            try await withMQTTTrigger(
                ["brokerAddress": broker.address, "topic": "jobs", "backlog": "sys", "windowSeconds": "1"], pool: pool
            ) { sink in
                try await eventually("a backlog value", sink: sink) { sink.latestSample?.backlog != nil }
                let baseline = try #require(sink.latestSample?.backlog)
                // A persistent QoS 1 worker subscribes and goes offline.
                try runClient(["mosquitto_sub", "-p", "\(broker.port)", "-c", "-i", "worker-1", "-q", "1", "-t", "jobs", "-E"])
                let publisher = try await MQTTTestPublisher(port: broker.port)
                try publisher.publish(count: 25, topic: "jobs", qos: 1)
                #expect(await publisher.flush())
                publisher.close()
                try await eventually("backlog + 25", sink: sink) { sink.latestSample?.backlog == baseline + 25 }
                // Once the 1 s window has emptied, the value is the backlog alone.
                try await eventually("value = backlog", sink: sink) { sink.value == baseline + 25 }
                // The worker comes back and drains its session.
                try runClient([
                    "mosquitto_sub", "-p", "\(broker.port)", "-c", "-i", "worker-1", "-q", "1", "-t", "jobs", "-C", "25", "-W", "10",
                ])
                try await eventually("backlog back to the baseline", sink: sink) { sink.latestSample?.backlog == baseline }
            }
        }
    }

    @Test("right credentials work; wrong ones are reported as an authentication failure")
    func authentication() async throws {
        let broker = try await MosquittoBroker.start(users: ["alice": "wonderland"])
        try await withPool { pool in
            let base = ["brokerAddress": broker.address, "topic": "t", "allowInsecureAuth": "true", "username": "alice"]
            var right = base
            right["password"] = "wonderland"
            try await withMQTTTrigger(right, pool: pool) { sink in
                try await eventually("a sample with the right password", sink: sink) { sink.value == 0 }
            }
            var wrong = base
            wrong["password"] = "looking-glass"
            try await withMQTTTrigger(wrong, pool: pool) { sink in
                try await eventually("an authentication failure", sink: sink) { sink.latestFailure != nil }
                let failure = try #require(sink.latestFailure)
                #expect(failure.code == .authenticationFailed)
                #expect(failure.message.contains("the username \"alice\" or its password"))
            }
            try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "t"], pool: pool) { sink in
                try await eventually("anonymous is refused", sink: sink) { sink.latestFailure != nil }
                #expect(sink.latestFailure?.code == .authenticationFailed)
                #expect(sink.latestFailure?.message.contains("anonymous") == true)
            }
        }
    }

    @Test("broker killed: UNAVAILABLE with the cause after the bound; restarted: recovers by itself")
    func brokerRestart() async throws {
        let broker = try await MosquittoBroker.start()
        try await withPool { pool in
            try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "t", "windowSeconds": "60"], pool: pool) { sink in
                try await eventually("first sample", sink: sink) { sink.value == 0 }
                broker.stop(kill: true)
                try await eventually("a failure once the staleness bound passes", sink: sink) { sink.latestFailure != nil }
                let failure = try #require(sink.latestFailure)
                #expect(failure.code == .unreachable)
                #expect(failure.message.contains(broker.address))
                try await broker.restart()
                try await eventually("samples again", sink: sink) { sink.latestSample != nil }
                let publisher = try await MQTTTestPublisher(port: broker.port)
                defer { publisher.close() }
                try publisher.publish(count: 3, topic: "t", qos: 1)
                #expect(await publisher.flush())
                try await eventually("counting again after the resubscribe", sink: sink) { sink.value == 3 }
            }
        }
    }

    @Test("an unreachable broker fails at once when there was never a value")
    func neverConnected() async throws {
        // A port where a broker was and no longer is: connections are refused.
        let broker = try await MosquittoBroker.start()
        let port = broker.port
        broker.stop()
        try await withPool { pool in
            try await withMQTTTrigger(["brokerAddress": "mqtt://127.0.0.1:\(port)", "topic": "t"], pool: pool) { sink in
                try await eventually("a failure", sink: sink) { sink.latestFailure != nil }
                #expect(sink.latestFailure?.code == .unreachable)
                #expect(sink.latestFailure?.message.contains("refused") == true)
            }
        }
    }

    @Test("a host name that does not resolve is reported as such")
    func dnsFailure() async throws {
        try await withPool { pool in
            try await withMQTTTrigger(["brokerAddress": "mqtt://no-such-broker.invalid:1883", "topic": "t"], pool: pool) { sink in
                try await eventually("a failure", sink: sink) { sink.latestFailure != nil }
                #expect(sink.latestFailure?.message.contains("resolve") == true)
            }
        }
    }

    @Test("TLS files that cannot be read are a configuration error")
    func unreadableTLSFiles() async throws {
        try await withPool { pool in
            let metadata = ["brokerAddress": "mqtts://127.0.0.1:8883", "topic": "t", "ca": "/nonexistent/ca.pem"]
            try await withMQTTTrigger(metadata, pool: pool) { sink in
                try await eventually("a failure", sink: sink) { sink.latestFailure != nil }
                #expect(sink.latestFailure?.code == .invalidConfiguration)
                #expect(sink.latestFailure?.message.contains("ca=/nonexistent/ca.pem") == true)
            }
        }
    }
}

@Suite("MQTT over TLS against a real mosquitto broker", .serialized, .enabled(if: MosquittoBroker.isInstalled))
struct MQTTTLSTests {
    @Test("mqtts:// with the broker's CA counts messages; without it the certificate is refused; unsafeSsl skips the check")
    func tls() async throws {
        let certificates = try await TestCertificates.make()
        let broker = try await MosquittoBroker.start(tls: certificates)
        #expect(broker.address.hasPrefix("mqtts://"))
        try await withPool { pool in
            try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "t", "ca": certificates.ca], pool: pool) { sink in
                try await eventually("a sample over TLS", sink: sink) { sink.value == 0 }
            }
            // The system trust store does not know the test CA.
            try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "t"], pool: pool) { sink in
                try await eventually("a TLS failure", sink: sink) { sink.latestFailure != nil }
                #expect(sink.latestFailure?.message.contains("TLS") == true)
            }
            try await withMQTTTrigger(["brokerAddress": broker.address, "topic": "t", "unsafeSsl": "true"], pool: pool) { sink in
                try await eventually("a sample without verification", sink: sink) { sink.value == 0 }
            }
        }
    }
}
