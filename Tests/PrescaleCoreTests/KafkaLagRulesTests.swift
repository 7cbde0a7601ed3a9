import PrescaleCore
import Testing

@Suite("KEDA's Kafka lag rules")
struct KafkaLagRulesTests {
    func spec(_ extra: [String: String] = [:]) throws -> KafkaTriggerSpec {
        var metadata = ["source": "kafka", "bootstrapServers": "k:9092", "consumerGroup": "g", "topic": "t"]
        metadata.merge(extra) { $1 }
        return try KafkaTriggerSpec(metadata: MetadataReader(metadata))
    }

    func offsets(_ pairs: [(Int64, Int64?)]) -> KafkaOffsets {
        var committed: [TopicPartition: Int64] = [:]
        var end: [TopicPartition: Int64] = [:]
        for (index, pair) in pairs.enumerated() {
            committed[TopicPartition("t", Int32(index))] = pair.0
            if let e = pair.1 { end[TopicPartition("t", Int32(index))] = e }
        }
        return KafkaOffsets(committed: committed, end: end)
    }

    @Test("the cap uses integer division: 5 partitions, threshold 10, lag 59 is not clamped; 60 is")
    func capIntegerDivision() throws {
        let rules = KafkaLagRules(spec: try self.spec())
        #expect(rules.evaluate(self.offsets([(0, 59), (0, 0), (0, 0), (0, 0), (0, 0)])).value == 59)
        #expect(rules.evaluate(self.offsets([(0, 60), (0, 0), (0, 0), (0, 0), (0, 0)])).value == 50)
    }

    @Test("allowIdleConsumers lifts the cap; limitToPartitionsWithLag caps at partitions with lag")
    func capVariants() throws {
        let lag = self.offsets([(0, 100), (0, 0), (0, 0)])
        #expect(KafkaLagRules(spec: try self.spec(["allowIdleConsumers": "true"])).evaluate(lag).value == 100)
        #expect(KafkaLagRules(spec: try self.spec(["limitToPartitionsWithLag": "true"])).evaluate(lag).value == 10)
        #expect(KafkaLagRules(spec: try self.spec()).evaluate(lag).value == 30)
    }

    @Test(
        "even distribution with 100 partitions and threshold 10",
        arguments: [
            (Int64(10), Int64(10)), (40, 40), (99, 100), (101, 200),
        ])
    func evenDistribution(lag: Int64, expected: Int64) throws {
        var pairs: [(Int64, Int64?)] = [(0, lag)]
        pairs += Array(repeating: (0, 0), count: 99)
        let rules = KafkaLagRules(spec: try self.spec(["ensureEvenDistributionOfPartitions": "true"]))
        #expect(rules.evaluate(self.offsets(pairs)).value == expected)
    }

    @Test("a partition missing from the end-offset answer counts 0")
    func missingEndOffset() throws {
        #expect(KafkaLagRules(spec: try self.spec()).evaluate(self.offsets([(3, nil), (0, 4)])).value == 4)
    }

    @Test("persistent partitions count 0 for the metric but still for activation")
    func persistent() throws {
        let rules = KafkaLagRules(spec: try self.spec(["excludePersistentLag": "true"]))
        let result = rules.evaluate(self.offsets([(0, 5), (0, 3)]), persistent: [TopicPartition("t", 0)])
        #expect(result.value == 3)
        #expect(result.totalLagWithPersistent == 8)
    }

    @Test("the tracker flags a partition only after its offset stood still for the whole window")
    func tracker() {
        var tracker = PersistentLagTracker(window: 30)
        let stuck = KafkaOffsets(committed: [TopicPartition("t", 0): 5], end: [TopicPartition("t", 0): 9])
        #expect(tracker.update(stuck, now: 0).isEmpty)
        #expect(tracker.update(stuck, now: 29).isEmpty)
        #expect(tracker.update(stuck, now: 30) == [TopicPartition("t", 0)])
        // A consumer committing every few seconds is never flagged.
        var healthy = PersistentLagTracker(window: 30)
        for second in 0..<100 {
            let offsets = KafkaOffsets(
                committed: [TopicPartition("t", 0): Int64(second / 5)], end: [TopicPartition("t", 0): 1000])
            #expect(healthy.update(offsets, now: Double(second)).isEmpty)
        }
    }
}
