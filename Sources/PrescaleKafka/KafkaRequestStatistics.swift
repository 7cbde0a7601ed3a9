import CRdKafka
import Foundation
import Synchronization

/// Counts the requests librdkafka sends, by API (OffsetFetch, ListOffsets, Metadata, …), from its own
/// statistics (`statistics.interval.ms`). Off unless ``enable(intervalMilliseconds:)`` is called, which
/// benchmarks do to report requests per sample as seen on the wire.
public enum KafkaRequestStatistics {
    private struct State {
        var intervalMilliseconds: Int?
        /// Cumulative requests per client handle (by its librdkafka name), by API name.
        var byHandle: [String: [String: Int]] = [:]
    }

    private static let state = Mutex(State())

    /// Turns statistics on for every Kafka client created from now on.
    public static func enable(intervalMilliseconds: Int = 100) {
        self.state.withLock { $0.intervalMilliseconds = intervalMilliseconds }
    }

    /// Turns statistics off for clients created from now on.
    public static func disable() {
        self.state.withLock { $0.intervalMilliseconds = nil }
    }

    /// Requests sent so far by every client, summed over clients and brokers, by API name.
    public static func totals() -> [String: Int] {
        self.state.withLock { state in
            var totals: [String: Int] = [:]
            for requests in state.byHandle.values {
                for (name, count) in requests { totals[name, default: 0] += count }
            }
            return totals
        }
    }

    /// Adds the statistics settings and callback to a client configuration, when enabled.
    static func configure(_ conf: OpaquePointer, properties: inout [String: String]) {
        guard let interval = self.state.withLock({ $0.intervalMilliseconds }) else { return }
        properties["statistics.interval.ms"] = String(interval)
        // Prescale never calls rd_kafka_poll: statistics go to the background thread (``attach``).
        rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_STATS)
    }

    /// Sends a new client's main queue (where statistics arrive) to its background thread, when enabled.
    static func attach(_ handle: OpaquePointer, background: OpaquePointer) {
        guard self.state.withLock({ $0.intervalMilliseconds }) != nil else { return }
        guard let main = rd_kafka_queue_get_main(handle) else { return }
        rd_kafka_queue_forward(main, background)
        rd_kafka_queue_destroy(main)
    }

    /// Records one statistics event.
    static func record(_ event: OpaquePointer) {
        guard let json = rd_kafka_event_stats(event) else { return }
        self.record(Data(bytes: json, count: strlen(json)))
    }

    static func record(_ data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let name = object["name"] as? String, let brokers = object["brokers"] as? [String: Any]
        else { return }
        var requests: [String: Int] = [:]
        for case let broker as [String: Any] in brokers.values {
            guard let counts = broker["req"] as? [String: Any] else { continue }
            for (api, value) in counts {
                if let count = (value as? NSNumber)?.intValue, count > 0 { requests[api, default: 0] += count }
            }
        }
        self.state.withLock { $0.byHandle[name] = requests }
    }
}
