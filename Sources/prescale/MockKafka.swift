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
              produce TOPIC PARTITION COUNT [PARTITION COUNT …]
                                                       append COUNT messages to each PARTITION, then flush
              commit GROUP TOPIC PARTITION OFFSET [PARTITION OFFSET …]
                                                       commit offsets for a group (without joining it; one
                                                       client per group, kept for its later commits)
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
        let committers = Committers()
        Self.say("bootstrap \(cluster.bootstrapServers)")
        while let line = readLine() {
            let words = line.split(separator: " ").map(String.init)
            guard let command = words.first else { continue }
            do {
                try Self.execute(command, Array(words.dropFirst()), cluster: cluster, producer: producer, committers: committers)
                Self.say("ok")
            } catch {
                Self.say("error: \(error)")
            }
        }
    }

    static func execute(
        _ command: String, _ arguments: [String], cluster: KafkaMockCluster, producer: KafkaTestProducer, committers: Committers
    ) throws {
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
            guard arguments.count >= 3, arguments.count % 2 == 1 else {
                throw ValidationError("usage: produce TOPIC PARTITION COUNT [PARTITION COUNT …]")
            }
            for pair in stride(from: 1, to: arguments.count, by: 2) {
                try producer.enqueue(
                    topic: arguments[0], partition: Int32(try number(pair, "PARTITION")), count: try number(pair + 1, "COUNT"))
            }
            try producer.flush(timeoutMilliseconds: 10_000)
        case "commit":
            guard arguments.count >= 4, arguments.count % 2 == 0 else {
                throw ValidationError("usage: commit GROUP TOPIC PARTITION OFFSET [PARTITION OFFSET …]")
            }
            var offsets: [TopicPartition: Int64] = [:]
            for pair in stride(from: 2, to: arguments.count, by: 2) {
                offsets[TopicPartition(arguments[1], Int32(try number(pair, "PARTITION")))] = Int64(try number(pair + 1, "OFFSET"))
            }
            let committer = try committers.committer(for: arguments[0], cluster: cluster)
            // The commit is async; this command runs on the main thread, not the concurrency pool.
            let done = DispatchSemaphore(value: 0)
            let outcome = Outcome()
            Task {
                do { try await committer.commit(offsets) } catch { outcome.error = error }
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

/// One offset committer per group, made at the group's first commit and kept (a new client per commit
/// costs a connection and a coordinator lookup). Used from the main thread only.
final class Committers: @unchecked Sendable {
    private var byGroup: [String: KafkaOffsetCommitter] = [:]

    func committer(for group: String, cluster: KafkaMockCluster) throws -> KafkaOffsetCommitter {
        if let existing = self.byGroup[group] { return existing }
        let made = try cluster.committer(group: group)
        self.byGroup[group] = made
        return made
    }
}

/// The result of the async commit, handed back to the main thread.
private final class Outcome: @unchecked Sendable {
    var error: (any Error)?
}
