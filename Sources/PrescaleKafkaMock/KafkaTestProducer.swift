import CRdKafka
import PrescaleCore
import PrescaleKafka

/// Produces small messages to a cluster, for tests, benchmarks and the demo's load generator.
public final class KafkaTestProducer: @unchecked Sendable {
    private let handle: KafkaHandle
    private var topics: [String: OpaquePointer] = [:]

    init(settings: KafkaClientSettings) throws(KafkaError) {
        self.handle = try KafkaHandle(
            type: RD_KAFKA_PRODUCER,
            settings: settings,
            extra: ["linger.ms": "5", "queue.buffering.max.messages": "1000000"]
        )
    }

    deinit {
        for topic in self.topics.values { rd_kafka_topic_destroy(topic) }
    }

    /// Queues `count` messages to `topic`'s `partition` and waits until they are delivered.
    public func produce(topic: String, partition: Int32, count: Int, flushTimeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        try self.enqueue(topic: topic, partition: partition, count: count)
        try self.flush(timeoutMilliseconds: flushTimeoutMilliseconds)
    }

    /// Queues `count` messages to `topic`'s `partition` and waits until they are delivered, on the
    /// producer's own queue: an async caller's thread (the cooperative pool) never blocks on librdkafka.
    public func produce(topic: String, partition: Int32, count: Int, flushTimeoutMilliseconds: Int32 = 10_000) async throws(KafkaError) {
        try await self.handle.blocking { _ throws(KafkaError) in
            try self.produce(topic: topic, partition: partition, count: count, flushTimeoutMilliseconds: flushTimeoutMilliseconds)
        }
    }

    /// Waits until every queued message is delivered, on the producer's own queue.
    public func flush(timeoutMilliseconds: Int32 = 10_000) async throws(KafkaError) {
        try await self.handle.blocking { _ throws(KafkaError) in try self.flush(timeoutMilliseconds: timeoutMilliseconds) }
    }

    /// Queues `count` messages without waiting for delivery.
    public func enqueue(topic: String, partition: Int32, count: Int) throws(KafkaError) {
        let topicHandle: OpaquePointer
        if let existing = self.topics[topic] {
            topicHandle = existing
        } else {
            guard let created = rd_kafka_topic_new(self.handle.pointer, topic, nil) else {
                throw KafkaError(.configuration, "cannot create a handle for topic \(topic)")
            }
            self.topics[topic] = created
            topicHandle = created
        }
        var payload: [UInt8] = Array("prescale".utf8)
        for _ in 0..<count {
            while rd_kafka_produce(topicHandle, partition, RD_KAFKA_MSG_F_COPY, &payload, payload.count, nil, 0, nil) != 0 {
                // The local queue is full: serve delivery reports, then retry.
                rd_kafka_poll(self.handle.pointer, 10)
            }
        }
        rd_kafka_poll(self.handle.pointer, 0)
    }

    /// Waits until every queued message is delivered.
    public func flush(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        let err = rd_kafka_flush(self.handle.pointer, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, while: "flushing produced messages") }
    }
}
