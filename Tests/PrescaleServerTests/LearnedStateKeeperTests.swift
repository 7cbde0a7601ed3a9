import PrescaleCore
import PrescaleTesting
import Synchronization
import Testing

@testable import PrescaleServer

/// Learned state kept in memory, with the contract of the shipped ConfigMap store: a state is given back
/// only to the trigger whose identity it was written with, and a write replaces what its key held.
final class InMemoryLearnedStateStorage: LearnedStateStorage {
    let records = Mutex<[String: LearnedStateRecord]>([:])
    let writes = Mutex<[[LearnedStateRecord]]>([])

    var location: String { "memory" }
    func load() async {}
    func saved(key: String, identity: String) -> LearnedState? {
        self.records.withLock { $0[key] }.flatMap { $0.identity == identity ? $0.state : nil }
    }
    func write(_ records: [LearnedStateRecord]) async {
        self.writes.withLock { $0.append(records) }
        self.records.withLock { kept in
            for record in records { kept[record.key] = record }
        }
    }
}

/// Two ready replicas, always.
struct TwoReplicas: ReplicaCounts {
    func replicas(of key: ScaledObjectKey) -> Int? { 2 }
    func wanted(_ key: ScaledObjectKey) {}
}

@Suite("Learned state through the storage boundary")
struct LearnedStateKeeperTests {
    static let kafka = [
        "source": "kafka", "bootstrapServers": "unused:9092", "consumerGroup": "workers", "topic": "orders", "lagThreshold": "10",
    ]
    static let capacityLine =
        #"prescale_trigger_capacity_per_replica{namespace="memory-a",scaledobject="orders",metric="kafka-orders",source="kafka"}"#

    /// A registry whose trigger `memory-a/orders` reads `source`, with two replicas and `storage`.
    static func registry(_ source: InMemorySource, metrics: ScalerMetrics, storage: (any LearnedStateStorage)?) -> TriggerRegistry {
        TriggerRegistry(
            sources: TestSourceFactory(memorySources: ["a": source]), observers: metrics, replicaCounts: TwoReplicas(),
            learnedStates: storage)
    }

    /// The value of the capacity gauge after one more sample with a backlog.
    static func capacityAfterOneSample(_ trigger: Trigger, metrics: ScalerMetrics, at time: Double) -> String? {
        trigger.publish(MetricSample(time: time, reactiveValue: 40, backlog: 40, arrived: 40, consumed: 0))
        return metrics.registry.render().split(separator: "\n").first { $0.hasPrefix(Self.capacityLine) }.map {
            String($0.dropFirst(Self.capacityLine.count + 1))
        }
    }

    @Test(
        "what a trigger learned is written through the storage once per change, and a new registry over the same storage starts from it (ablation: without the storage it starts from nothing)"
    )
    func keptAndRestored() async throws {
        // Five minutes saturated: 2 replicas consume 20 msg/s between them while 40/s arrive.
        let metrics = ScalerMetrics()
        let registry = Self.registry(InMemorySource(), metrics: metrics, storage: nil)
        let trigger = try registry.trigger(namespace: "memory-a", name: "orders", metadata: Self.kafka)
        for second in 1...300 {
            let time = Double(second)
            trigger.publish(MetricSample(time: time, reactiveValue: 20 * time, backlog: 20 * time, arrived: 40 * time, consumed: 20 * time))
        }
        let learned = try #require(Self.capacityAfterOneSample(trigger, metrics: metrics, at: 301).flatMap(Double.init))
        #expect(abs(learned - 10) < 1)

        let storage = InMemoryLearnedStateStorage()
        let keeper = LearnedStateKeeper(registry: registry, store: storage, readiness: Readiness())
        await keeper.flush()
        await keeper.flush()
        let writes = storage.writes.withLock { $0 }
        #expect(writes.count == 1, "nothing changed between the two flushes, so the second writes nothing")
        #expect(writes.first?.map(\.identity) == ["memory-a/orders/kafka-orders"])

        // A new process: the same trigger knows the capacity at its first sample; without the storage it does not.
        let restoredMetrics = ScalerMetrics()
        let restored = try Self.registry(InMemorySource(), metrics: restoredMetrics, storage: storage)
            .trigger(namespace: "memory-a", name: "orders", metadata: Self.kafka)
        let restoredCapacity = try #require(Self.capacityAfterOneSample(restored, metrics: restoredMetrics, at: 1).flatMap(Double.init))
        #expect(abs(restoredCapacity - learned) < 0.01)

        let freshMetrics = ScalerMetrics()
        let fresh = try Self.registry(InMemorySource(), metrics: freshMetrics, storage: nil)
            .trigger(namespace: "memory-a", name: "orders", metadata: Self.kafka)
        #expect(Self.capacityAfterOneSample(fresh, metrics: freshMetrics, at: 1).flatMap(Double.init) == 0)

        // Another ScaledObject with the same metadata is another trigger: it is not given this state.
        let otherMetrics = ScalerMetrics()
        let other = try Self.registry(InMemorySource(), metrics: otherMetrics, storage: storage)
            .trigger(namespace: "memory-a", name: "payments", metadata: Self.kafka)
        other.publish(MetricSample(time: 1, reactiveValue: 40, backlog: 40, arrived: 40, consumed: 0))
        #expect(
            otherMetrics.registry.render().contains(
                #"prescale_trigger_capacity_per_replica{namespace="memory-a",scaledobject="payments",metric="kafka-orders",source="kafka"} 0"#
            ))
    }
}
