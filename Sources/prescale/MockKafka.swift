import ArgumentParser
import Dispatch
import Foundation
import PrescaleCore
import PrescaleKafka
import PrescaleKafkaMock

/// `prescale mock-kafka`: librdkafka's mock Kafka cluster as a process, driven line by line on stdin,
/// so the scaler can be tried (and tested from outside) against real Kafka protocol without Kafka.
struct MockKafka: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-kafka",
        abstract: "Developer tool: run librdkafka's mock Kafka cluster on loopback and drive it from stdin.",
        discussion: """
            Prints "bootstrap HOST:PORT,…" once the brokers listen, then reads one command per line and \
            answers "ok" or "error: …":
              topic NAME PARTITIONS                    create a topic
              produce TOPIC PARTITION COUNT            append COUNT messages
              commit GROUP TOPIC PARTITION OFFSET      commit an offset for a group (without joining it)
              brokers up|down                          every broker responsive, or unresponsive (reads time out)
              rtt MILLISECONDS                         every broker answers that much later (a slow broker; 0 to undo)
            It exits at the end of input or on SIGTERM.
            """
    )

    @Option(help: "Number of brokers, 1 to 10.")
    var brokers: Int = 3

    func validate() throws {
        guard (1...10).contains(self.brokers) else { throw ValidationError("--brokers: \(self.brokers) is not allowed; allowed: 1 to 10") }
    }

    func run() throws {
        let cluster = try KafkaMockCluster(brokers: self.brokers)
        let producer = try cluster.producer()
        Self.say("bootstrap \(cluster.bootstrapServers)")
        while let line = readLine() {
            let words = line.split(separator: " ").map(String.init)
            guard let command = words.first else { continue }
            do {
                try Self.execute(command, Array(words.dropFirst()), cluster: cluster, producer: producer)
                Self.say("ok")
            } catch {
                Self.say("error: \(error)")
            }
        }
    }

    static func execute(_ command: String, _ arguments: [String], cluster: KafkaMockCluster, producer: KafkaTestProducer) throws {
        func number(_ index: Int, _ name: String) throws -> Int {
            guard index < arguments.count, let value = Int(arguments[index]), value >= 0 else {
                throw ValidationError("\(command): \(name) must be a whole number >= 0")
            }
            return value
        }
        switch command {
        case "topic":
            guard arguments.count == 2 else { throw ValidationError("usage: topic NAME PARTITIONS") }
            try cluster.createTopic(arguments[0], partitions: try number(1, "PARTITIONS"))
        case "produce":
            guard arguments.count == 3 else { throw ValidationError("usage: produce TOPIC PARTITION COUNT") }
            try producer.produce(topic: arguments[0], partition: Int32(try number(1, "PARTITION")), count: try number(2, "COUNT"))
        case "commit":
            guard arguments.count == 4 else { throw ValidationError("usage: commit GROUP TOPIC PARTITION OFFSET") }
            let offsets = [TopicPartition(arguments[1], Int32(try number(2, "PARTITION"))): Int64(try number(3, "OFFSET"))]
            // The commit is async; this command runs on the main thread, not the concurrency pool.
            let done = DispatchSemaphore(value: 0)
            let outcome = Outcome()
            Task {
                do { try await cluster.commit(group: arguments[0], offsets: offsets) } catch { outcome.error = error }
                done.signal()
            }
            done.wait()
            if let error = outcome.error { throw error }
        case "brokers":
            guard arguments.count == 1, arguments[0] == "up" || arguments[0] == "down" else {
                throw ValidationError("usage: brokers up|down")
            }
            cluster.setAllBrokers(up: arguments[0] == "up")
        case "rtt":
            guard arguments.count == 1 else { throw ValidationError("usage: rtt MILLISECONDS") }
            let milliseconds = try number(0, "MILLISECONDS")
            for id in 1...Int32(cluster.brokerCount) {
                cluster.setRoundTripDelay(id, milliseconds: Int32(min(milliseconds, 60_000)))
            }
        default:
            throw ValidationError("unknown command \"\(command)\"; allowed: topic, produce, commit, brokers, rtt")
        }
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// The result of the async commit, handed back to the main thread.
private final class Outcome: @unchecked Sendable {
    var error: (any Error)?
}
