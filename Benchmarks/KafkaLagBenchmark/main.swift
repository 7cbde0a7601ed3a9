// Reads one consumer group's lag across N partitions of a 3-broker mock cluster, through the same
import Foundation
// sampler pool the server uses, and reports how long each read took.
import PrescaleCore
import PrescaleKafka

let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let reads = 20
for partitions in sizes.isEmpty ? [1_000, 10_000] : sizes {
    let cluster = try KafkaMockCluster(brokers: 3)
    try cluster.createTopic("bench", partitions: partitions)
    var committed: [TopicPartition: Int64] = [:]
    for partition in 0..<partitions { committed[TopicPartition("bench", Int32(partition))] = 0 }
    try await cluster.commit(group: "bench-group", offsets: committed)
    let producer = try cluster.producer()
    for partition in stride(from: 0, to: partitions, by: max(partitions / 100, 1)) {
        try producer.enqueue(topic: "bench", partition: Int32(partition), count: 3)
    }
    try producer.flush()
    let pool = KafkaSamplerPool()
    let settings = cluster.settings
    let durations = try await withThrowingTaskGroup(of: [Double].self) { group in
        group.addTask { try await pool.run(); return [] }
        let key = KafkaSamplerKey(settings: settings, group: "bench-group", topic: "bench")
        let collected = try await pool.withSamples(for: key, interval: .milliseconds(200)) { samples in
            var durations: [Double] = []
            for await sample in samples {
                guard case .success(let offsets) = sample.offsets else { continue }
                precondition(offsets.committed.count == partitions, "read \(offsets.committed.count) partitions")
                durations.append(sample.readDuration)
                if durations.count == reads + 1 { break }
            }
            return durations
        }
        group.cancelAll()
        return collected
    }
    // The first read also fetches metadata and finds the coordinator; report it apart.
    let steady = durations.dropFirst().sorted()
    func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    print(
        "partitions \(partitions): first read \(ms(durations[0])); steady (\(steady.count) reads) "
            + "p50 \(ms(steady[steady.count / 2])), max \(ms(steady.last!)), mean \(ms(steady.reduce(0, +) / Double(steady.count)))"
    )
}
