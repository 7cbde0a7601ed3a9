import CRdKafka
import Dispatch
import Synchronization

/// One librdkafka client instance and the thread its blocking calls run on.
///
/// librdkafka handles are thread-safe, but its calls block for up to their timeout; they run on this
/// handle's own serial dispatch queue, never on the Swift concurrency pool. Results of asynchronous
/// requests (committed offsets, ``KafkaCommittedFetch``) arrive on librdkafka's background thread,
/// through ``backgroundQueue``.
package final class KafkaHandle: @unchecked Sendable {
    package let pointer: OpaquePointer
    let settings: KafkaClientSettings
    private let queue: DispatchQueue
    /// librdkafka's background queue: every event put on it is handed to ``deliver(_:)`` on
    /// librdkafka's background thread.
    let backgroundQueue: OpaquePointer
    private let closed = Atomic<Bool>(false)
    /// Unique for the process's lifetime (a destroyed client's address may be reused).
    let id: UInt = KafkaHandle.nextID.add(1, ordering: .relaxed).newValue
    private static let nextID = Atomic<UInt>(0)

    /// Creates a client of `type` (consumer or producer) with `settings` plus `extra` properties.
    package init(type: rd_kafka_type_t, settings: KafkaClientSettings, extra: [String: String] = [:]) throws(KafkaError) {
        let conf = try settings.makeConfiguration(extra: extra)
        rd_kafka_conf_set_background_event_cb(conf) { _, event, _ in
            guard let event else { return }
            KafkaHandle.deliver(event)
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, "cannot create a Kafka client: \(String(errorBuffer: errorText))")
        }
        guard let background = rd_kafka_queue_get_background(handle) else {
            rd_kafka_destroy(handle)
            throw KafkaError(.configuration, "cannot create a Kafka client: librdkafka started no background thread")
        }
        self.pointer = handle
        self.backgroundQueue = background
        self.settings = settings
        KafkaRequestStatistics.attach(handle, background: background)
        self.queue = DispatchQueue(label: "prescale.kafka.\(settings.bootstrapServers.first ?? "")")
    }

    deinit {
        self.destroy()
    }

    /// Every event on the background queue: request statistics and committed-offset results.
    private static func deliver(_ event: OpaquePointer) {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_STATS: KafkaRequestStatistics.record(event)
        case RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT: KafkaCommittedFetch.deliver(event)
        default: break
        }
        rd_kafka_event_destroy(event)
    }

    private func destroy() {
        guard !self.closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_queue_destroy(self.backgroundQueue)
        rd_kafka_destroy(self.pointer)
        // Whatever was still in flight on this client will never be answered.
        KafkaCommittedFetch.abandon(client: self.id)
    }

    /// Destroys the client on its own queue (it may block while connections close).
    package func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.queue.async {
                self.destroy()
                continuation.resume()
            }
        }
    }

    /// Destroys the client on its own queue without waiting for it.
    func closeInBackground() {
        self.queue.async { self.destroy() }
    }

    /// Runs `body` on the handle's queue.
    func async(_ body: @escaping @Sendable () -> Void) {
        self.queue.async(execute: body)
    }

    /// Runs a blocking librdkafka call on the handle's queue and resumes the caller when it is done.
    package func blocking<Result: Sendable>(_ body: @escaping @Sendable (KafkaHandle) throws(KafkaError) -> Result) async throws(KafkaError)
        -> Result
    {
        let outcome: Swift.Result<Result, KafkaError> = await withCheckedContinuation { continuation in
            self.queue.async {
                continuation.resume(returning: Swift.Result { () throws(KafkaError) -> Result in try body(self) })
            }
        }
        return try outcome.get()
    }
}
