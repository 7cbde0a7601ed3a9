import CRdKafka
import Dispatch

/// One librdkafka client instance and the thread its blocking calls run on.
///
/// librdkafka handles are thread-safe, but its calls block for up to their timeout; they run on this
/// handle's own serial dispatch queue, never on the Swift concurrency pool.
package final class KafkaHandle: @unchecked Sendable {
    package let pointer: OpaquePointer
    let settings: KafkaClientSettings
    private let queue: DispatchQueue

    /// Creates a client of `type` (consumer or producer) with `settings` plus `extra` properties.
    package init(type: rd_kafka_type_t, settings: KafkaClientSettings, extra: [String: String] = [:]) throws(KafkaError) {
        let conf = try settings.makeConfiguration(extra: extra)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, "cannot create a Kafka client: \(String(errorBuffer: errorText))")
        }
        self.pointer = handle
        self.settings = settings
        KafkaRequestStatistics.attach(handle)
        self.queue = DispatchQueue(label: "prescale.kafka.\(settings.bootstrapServers.first ?? "")")
    }

    deinit {
        if !self.closed { rd_kafka_destroy(self.pointer) }
    }

    // Written once, on the handle's queue, before the last reference goes.
    private var closed = false

    /// Destroys the client on its own queue (it may block while connections close).
    package func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.queue.async {
                if !self.closed {
                    rd_kafka_destroy(self.pointer)
                    self.closed = true
                }
                continuation.resume()
            }
        }
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
