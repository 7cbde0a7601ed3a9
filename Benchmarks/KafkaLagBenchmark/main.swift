// Reads one consumer group's lag across N partitions of a mock cluster, through the same sampler pool
// the server uses, and reports how long each read took and how many requests it sent.
//
// Arguments: partition counts, optionally with a broker count: `1000 10000 1000@1` (default 3 brokers),
// and `--partitions-per-request N` for the chunk (the server's `--kafka-partitions-per-request`).
// Each size runs twice: once for timing (statistics off: librdkafka's statistics JSON lists every
// partition and parsing it would skew the timing), once counting requests from those statistics.
import Foundation
import PrescaleCore
import PrescaleKafka
import PrescaleKafkaMock

/// The arguments, and the chunk given with `--partitions-per-request`.
let (sizeArguments, partitionsPerRequest): ([String], Int) = {
    var arguments = Array(CommandLine.arguments.dropFirst())
    guard let index = arguments.firstIndex(of: "--partitions-per-request") else {
        return (arguments, KafkaClientSettings.defaultPartitionsPerRequest)
    }
    guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), value > 0 else {
        fatalError("--partitions-per-request takes a whole number > 0")
    }
    arguments.removeSubrange(index...(index + 1))
    return (arguments, value)
}()

let sizes: [(partitions: Int, brokers: Int)] = sizeArguments.compactMap { argument in
    let parts = argument.split(separator: "@").compactMap { Int($0) }
    return parts.isEmpty ? nil : (parts[0], parts.count > 1 ? parts[1] : 3)
}

/// Durations of `reads` steady reads (after a first one), and the requests sent per steady read.
func measure(partitions: Int, brokers: Int, reads: Int, countRequests: Bool) async throws -> (
    first: Double, steady: [Double], requests: [String: Double]
) {
    if countRequests { KafkaRequestStatistics.enable(intervalMilliseconds: 200) } else { KafkaRequestStatistics.disable() }
    let cluster = try KafkaMockCluster(brokers: brokers)
    try cluster.createTopic("bench", partitions: partitions)
    var committed: [TopicPartition: Int64] = [:]
    for partition in 0..<partitions { committed[TopicPartition("bench", Int32(partition))] = 0 }
    try await cluster.commit(group: "bench-group", offsets: committed)
    let producer = try cluster.producer()
    for partition in stride(from: 0, to: partitions, by: max(partitions / 100, 1)) {
        try producer.enqueue(topic: "bench", partition: Int32(partition), count: 3)
    }
    try await producer.flush()
    let pool = KafkaSamplerPool(partitionsPerRequest: partitionsPerRequest)
    let settings = cluster.settings
    var before: [String: Int] = [:]
    var after: [String: Int] = [:]
    let durations = try await withThrowingTaskGroup(of: [Double].self) { group in
        group.addTask {
            try await pool.run()
            return []
        }
        let key = KafkaSamplerKey(settings: settings, group: "bench-group", topic: "bench")
        let collected = try await pool.withSamples(for: key, interval: .milliseconds(countRequests ? 500 : 200)) { samples in
            var durations: [Double] = []
            for await sample in samples {
                guard case .success(let offsets) = sample.offsets else { continue }
                precondition(offsets.committed.count == partitions, "read \(offsets.committed.count) partitions")
                durations.append(sample.readDuration)
                if countRequests && durations.count == 1 {
                    // The next read starts 500 ms after this one; statistics come every 200 ms.
                    try? await Task.sleep(for: .milliseconds(300))
                    before = KafkaRequestStatistics.totals()
                }
                if durations.count == reads + 1 { break }
            }
            if countRequests {
                try? await Task.sleep(for: .milliseconds(300))
                after = KafkaRequestStatistics.totals()
            }
            return durations
        }
        group.cancelAll()
        return collected
    }
    var requests: [String: Double] = [:]
    // The test producer's Produce requests and connection set-up (ApiVersion) are not the sampler's.
    for (api, count) in after where count > before[api, default: 0] && api != "Produce" && api != "ApiVersion" {
        requests[api] = Double(count - before[api, default: 0]) / Double(reads)
    }
    return (durations[0], Array(durations.dropFirst()), requests)
}

func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

for (partitions, brokers) in sizes.isEmpty ? [(1_000, 3), (10_000, 3)] : sizes {
    let timing = try await measure(partitions: partitions, brokers: brokers, reads: 20, countRequests: false)
    let steady = timing.steady.sorted()
    print(
        "partitions \(partitions), brokers \(brokers): first read \(ms(timing.first)); steady (\(steady.count) reads) "
            + "p50 \(ms(steady[steady.count / 2])), max \(ms(steady.last!)), mean \(ms(steady.reduce(0, +) / Double(steady.count)))")
    let counted = try await measure(partitions: partitions, brokers: brokers, reads: 6, countRequests: true)
    let perRead = counted.requests.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.2f", $0.value))" }
    print(
        "partitions \(partitions), brokers \(brokers): requests per steady read (librdkafka statistics): \(perRead.joined(separator: ", "))"
    )
}
