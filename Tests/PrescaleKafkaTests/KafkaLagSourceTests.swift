import PrescaleCore
import PrescaleKafkaMock
import PrescaleTesting
import Testing

@testable import PrescaleKafka

@Suite("Kafka lag against librdkafka's mock cluster", .serialized)
struct KafkaLagSourceTests {
    @Test("KEDA's scenario: 3 partitions, lagThreshold 1, activationLagThreshold 1")
    func kedaScenario() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("orders", partitions: 3)
            try await cluster.commit(group: "workers", offsets: committedAtStart("orders", partitions: 3))
            let producer = try cluster.producer()
            let metadata = [
                "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "workers", "topic": "orders",
                "lagThreshold": "1", "activationLagThreshold": "1",
            ]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                try await eventually("an empty topic reads lag 0", sink: sink) { sink.latestSample?.reactiveValue == 0 }

                try await producer.produce(topic: "orders", partition: 0, count: 1)
                try await eventually("one message: lag 1", sink: sink) { sink.latestSample?.activityValue == 1 }
                var planner = ReactivePlanner(target: 1, activationThreshold: 1)
                #expect(!planner.decide(try #require(sink.latestSample)).isActive)

                try await producer.produce(topic: "orders", partition: 1, count: 1)
                try await eventually("two messages: value 2", sink: sink) { sink.latestSample?.reactiveValue == 2 }
                #expect(planner.decide(try #require(sink.latestSample)).isActive)

                try await producer.produce(topic: "orders", partition: 2, count: 20)
                try await eventually("many messages: capped at 3 partitions", sink: sink) { sink.latestSample?.activityValue == 22 }
                #expect(sink.latestSample?.reactiveValue == 3)
                #expect(sink.latestSample?.backlog == 22)
            }
        }
    }

    @Test("without topic, every topic the group committed counts; the metric is kafka-<group>-topics")
    func allCommittedTopics() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("a", partitions: 2)
            try cluster.createTopic("b", partitions: 1)
            try cluster.createTopic("ignored", partitions: 1)
            try await cluster.commit(group: "g", offsets: [TopicPartition("a", 0): 0, TopicPartition("b", 0): 0])
            let producer = try cluster.producer()
            try await producer.produce(topic: "a", partition: 0, count: 4)
            try await producer.produce(topic: "a", partition: 1, count: 2)
            try await producer.produce(topic: "b", partition: 0, count: 3)
            try await producer.produce(topic: "ignored", partition: 0, count: 50)
            let metadata = ["bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "lagThreshold": "100"]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                // a[0]: 4, a[1]: no commit under `latest` -> 1, b[0]: 3; topic "ignored" is not the group's.
                try await eventually("lag of the group's topics", sink: sink) { sink.latestSample?.reactiveValue == 8 }
            }
            let spec = try KafkaTriggerSpec(metadata: MetadataReader(metadata.merging(["source": "kafka"]) { $1 }))
            #expect(spec.metricName == "kafka-g-topics")
        }
    }

    @Test(
        "invalid offsets under both policies, with and without scaleToZeroOnInvalidOffset",
        arguments: [
            ("latest", "false", 2.0), ("latest", "true", 0.0), ("earliest", "false", 7.0), ("earliest", "true", 0.0),
        ])
    func invalidOffsets(policy: String, scaleToZero: String, expected: Double) async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("t", partitions: 2)
            let producer = try cluster.producer()
            try await producer.produce(topic: "t", partition: 0, count: 3)
            try await producer.produce(topic: "t", partition: 1, count: 4)
            let metadata = [
                "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "fresh", "topic": "t",
                "offsetResetPolicy": policy, "scaleToZeroOnInvalidOffset": scaleToZero, "allowIdleConsumers": "true",
            ]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                try await eventually("value \(expected)", sink: sink) { sink.latestSample?.reactiveValue == expected }
            }
        }
    }

    @Test("partitionLimitation counts only the listed partitions")
    func partitionLimitation() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("t", partitions: 4)
            try await cluster.commit(group: "g", offsets: committedAtStart("t", partitions: 4))
            let producer = try cluster.producer()
            for partition in 0..<4 { try await producer.produce(topic: "t", partition: Int32(partition), count: 10 * (partition + 1)) }
            let metadata = [
                "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "topic": "t",
                "partitionLimitation": "0, 2-3", "lagThreshold": "1000",
            ]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                try await eventually("10 + 30 + 40", sink: sink) { sink.latestSample?.reactiveValue == 80 }
            }
        }
    }

    @Test("ensureEvenDistributionOfPartitions reports a factor of the partition count")
    func evenDistribution() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("t", partitions: 6)
            try await cluster.commit(group: "g", offsets: committedAtStart("t", partitions: 6))
            let producer = try cluster.producer()
            try await producer.produce(topic: "t", partition: 0, count: 25)
            let metadata = [
                "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "topic": "t",
                "lagThreshold": "10", "ensureEvenDistributionOfPartitions": "true",
            ]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                // lag 25, threshold 10: factors of 6 are 1, 2, 3, 6; 3 × 10 = 30 is the first >= 25.
                try await eventually("value 30", sink: sink) { sink.latestSample?.reactiveValue == 30 }
            }
        }
    }

    @Test("persistent lag counts for activation only, once the offset stood still for the window")
    func persistentLag() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("t", partitions: 1)
            try await cluster.commit(group: "g", offsets: [TopicPartition("t", 0): 0])
            try await cluster.producer().produce(topic: "t", partition: 0, count: 5)
            let metadata = [
                "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "topic": "t",
                "excludePersistentLag": "true", "persistentLagWindowSeconds": "1", "lagThreshold": "100",
            ]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                try await eventually("lag 5 counts at first", sink: sink) { sink.latestSample?.reactiveValue == 5 }
                try await eventually("after the window it is persistent", sink: sink) { sink.latestSample?.reactiveValue == 0 }
                #expect(sink.latestSample?.activityValue == 5)
                // The consumer moves: no longer persistent.
                try await cluster.commit(group: "g", offsets: [TopicPartition("t", 0): 2])
                try await eventually("moving again counts", sink: sink) { sink.latestSample?.reactiveValue == 3 }
            }
        }
    }

    @Test("brokers down: the source fails as unreachable, then recovers by itself")
    func brokersDownAndUp() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("t", partitions: 3)
            try await cluster.commit(group: "g", offsets: [TopicPartition("t", 0): 0])
            try await cluster.producer().produce(topic: "t", partition: 0, count: 4)
            let metadata = [
                "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "topic": "t", "lagThreshold": "100",
            ]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                // partition 0: 4; partitions 1 and 2 have no commit under `latest`: 1 each.
                try await eventually("readable", sink: sink) { sink.latestSample?.reactiveValue == 6 }
                cluster.setAllBrokers(up: false)
                try await eventually("unreachable reported", sink: sink) { sink.latestFailure?.code == .unreachable }
                #expect(sink.latestFailure?.message.hasPrefix("kafka: ") == true)
                cluster.setAllBrokers(up: true)
                try await eventually("recovered without restart", sink: sink) { sink.latestSample?.reactiveValue == 6 }
            }
        }
    }

    @Test("a topic created after the cluster's metadata was read is found at once, not reported unknown")
    func topicCreatedAfterTheMetadataWasRead() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("first", partitions: 1)
            try await cluster.commit(group: "g", offsets: committedAtStart("first", partitions: 1))
            let base = ["bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g"]
            try await withKafkaTrigger(base.merging(["topic": "first"]) { $1 }, pool: pool) { first in
                try await eventually("the first topic read", sink: first) { first.latestSample != nil }
                try cluster.createTopic("later", partitions: 2)
                try await cluster.commit(group: "g", offsets: committedAtStart("later", partitions: 2))
                try await withKafkaTrigger(base.merging(["topic": "later"]) { $1 }, pool: pool) { later in
                    try await eventually("the new topic answered", sink: later) { later.latestSample != nil || later.latestFailure != nil }
                    #expect(later.latestFailure == nil)
                    #expect(later.latestSample?.maximumConsumers == 2)
                }
            }
        }
    }

    @Test("a topic that does not exist is an invalid-configuration failure")
    func unknownTopic() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("exists", partitions: 1)
            let metadata = ["bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "topic": "missing"]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                try await eventually("unknown topic reported", sink: sink) { sink.latestFailure?.code == .invalidConfiguration }
                #expect(sink.latestFailure?.message.contains("\"missing\" does not exist") == true)
            }
        }
    }

    @Test("triggers on the same cluster, group and topic share one sampler and one client; both close after")
    func sharing() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("t", partitions: 1)
            let base = ["bootstrapServers": cluster.bootstrapServers, "consumerGroup": "g", "topic": "t"]
            try await withKafkaTrigger(base.merging(["lagThreshold": "5"]) { $1 }, pool: pool) { first in
                try await withKafkaTrigger(base.merging(["lagThreshold": "7"]) { $1 }, pool: pool) { second in
                    try await eventually("both read") { first.latestSample != nil && second.latestSample != nil }
                    #expect(pool.counts.samplers == 1)
                    #expect(pool.counts.clients == 1)
                }
            }
            try await eventually("sampler and client closed") { pool.counts == (0, 0) }
        }
    }
}

@Suite("Kafka reads in chunks", .serialized)
struct KafkaChunkedReadTests {
    @Test("a read split into calls of a few partitions returns every partition's offsets")
    func chunks() async throws {
        // Three calls of the pool's clients: 3 + 3 + 1 partitions.
        try await withMockKafka(brokers: 2, partitionsPerRequest: 3) { cluster, pool in
            try cluster.createTopic("chunked", partitions: 7)
            var committed: [TopicPartition: Int64] = [:]
            for partition in 0..<7 { committed[TopicPartition("chunked", Int32(partition))] = Int64(partition % 3) }
            try await cluster.commit(group: "g", offsets: committed)
            let producer = try cluster.producer()
            for partition in 0..<7 { try producer.enqueue(topic: "chunked", partition: Int32(partition), count: 5) }
            try await producer.flush()
            let key = KafkaSamplerKey(settings: cluster.settings, group: "g", topic: "chunked")
            let offsets = try await pool.withSamples(for: key, interval: .milliseconds(100)) { samples -> KafkaOffsets? in
                for await sample in samples {
                    if case .success(let offsets) = sample.offsets { return offsets }
                }
                return nil
            }
            let read = try #require(offsets)
            #expect(read.committed == committed)
            #expect(Set(read.end.values) == [5])
            #expect(read.end.count == 7)
        }
    }
}

@Suite("Kafka clients through long outages", .serialized)
struct KafkaLongOutageTests {
    /// librdkafka 2.0.2 aborts the process when an Admin request times out while it waits for its
    /// group coordinator and the coordinator then comes back; the client is replaced before that.
    @Test("an outage longer than librdkafka's Admin timeout: the client is replaced, nothing aborts, reads recover")
    func outageLongerThanTheAdminTimeout() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("t", partitions: 3)
            try await cluster.commit(group: "g", offsets: committedAtStart("t", partitions: 3))
            try await cluster.producer().produce(topic: "t", partition: 1, count: 7)
            var settings = cluster.settings
            settings.requestTimeoutMilliseconds = 500
            settings.adminRequestTimeoutMilliseconds = 2_000
            let key = KafkaSamplerKey(settings: settings, group: "g", topic: "t")
            try await pool.withSamples(for: key, interval: .milliseconds(100)) { samples in
                var iterator = samples.makeAsyncIterator()
                func next(_ matching: (Result<KafkaOffsets, KafkaError>) -> Bool) async -> Bool {
                    while let sample = await iterator.next() {
                        if matching(sample.offsets) { return true }
                    }
                    return false
                }
                #expect(await next { (try? $0.get())?.end[TopicPartition("t", 1)] == 7 })
                cluster.setAllBrokers(up: false)
                #expect(await next { if case .failure = $0 { true } else { false } })
                // Down until the client was replaced twice: both past three quarters of the Admin timeout.
                let giveUp = ContinuousClock.now + .seconds(60)
                while pool.clientReplacements < 2 && ContinuousClock.now < giveUp { #expect(await next { _ in true }) }
                #expect(pool.clientReplacements >= 2)
                cluster.setAllBrokers(up: true)
                #expect(await next { (try? $0.get())?.committed[TopicPartition("t", 1)] == 0 })
            }
        }
    }
}

@Suite("Commit cadence against librdkafka's mock cluster", .serialized)
struct KafkaCommitCadenceTests {
    @Test("a group that commits every 3 s: between commits the source reports what was consumed and not yet committed")
    func periodicCommits() async throws {
        try await withMockKafka { cluster, pool in
            try cluster.createTopic("jobs", partitions: 1)
            let partition = TopicPartition("jobs", 0)
            try await cluster.commit(group: "batch", offsets: [partition: 0])
            let producer = try cluster.producer()
            let committer = try cluster.committer(group: "batch")
            let metadata = [
                "bootstrapServers": cluster.bootstrapServers, "consumerGroup": "batch", "topic": "jobs", "lagThreshold": "100",
            ]
            try await withKafkaTrigger(metadata, pool: pool) { sink in
                // The "consumers": 5 messages a second, each consumed at once, committed every third second.
                let consumers = Task {
                    var produced: Int64 = 0
                    var second = 0
                    while !Task.isCancelled {
                        try await producer.produce(topic: "jobs", partition: 0, count: 5)
                        produced += 5
                        second += 1
                        if second % 3 == 0 { try await committer.commit([partition: produced]) }
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                defer { consumers.cancel() }
                try await eventually("the cadence learned: a sample between commits with uncommitted messages", sink: sink) {
                    guard let sample = sink.latestSample, let uncommitted = sample.uncommitted else { return false }
                    return uncommitted > 0
                }
                let sample = try #require(sink.latestSample)
                let uncommitted = try #require(sample.uncommitted)
                let backlog = try #require(sample.backlog)
                // Never more than the lag; KEDA's own value is still the whole lag.
                #expect(uncommitted <= backlog)
                #expect(sample.reactiveValue == backlog)
                #expect(sample.waiting == backlog - uncommitted)
            }
            await committer.close()
        }
    }
}
