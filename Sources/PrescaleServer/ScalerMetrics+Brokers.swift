import PrescaleCore
import Prometheus
import Synchronization

/// The series of one MQTT broker connection, and the last totals mirrored into its counters.
final class BrokerSeries: Sendable {
    let connected: Gauge
    let backlog: Gauge
    let dropped: Counter
    let registry: PrometheusCollectorRegistry
    let broker: String
    struct Totals {
        var dropped: Double = 0
        var messages: [String: (counter: Counter, last: UInt64)] = [:]
    }
    let totals = Mutex(Totals())

    init(registry: PrometheusCollectorRegistry, broker: String) {
        self.registry = registry
        self.broker = broker
        let labels = [("broker", broker)]
        self.connected = registry.makeGauge(
            descriptor: .named("prescale_mqtt_connected", help: "1 while Prescale's connection to the MQTT broker is up, else 0."),
            labels: labels)
        self.backlog = registry.makeGauge(
            descriptor: .named(
                "prescale_mqtt_broker_backlog_messages",
                help:
                    "mosquitto $SYS store count minus retained count (broker-wide, approximate); NaN while unknown or stale. Only with backlog: sys."
            ), labels: labels)
        self.dropped = registry.makeCounter(
            descriptor: .named(
                "prescale_mqtt_broker_dropped_messages_total",
                help:
                    "Growth of mosquitto's $SYS/broker/publish/messages/dropped seen by Prescale: messages the broker lost. Only with backlog: sys."
            ), labels: labels)
    }

    func update(_ snapshot: BrokerSnapshot) {
        self.connected.set(Int64(snapshot.connected ? 1 : 0))
        self.backlog.set(snapshot.backlog ?? .nan)
        self.totals.withLock { totals in
            if let dropped = snapshot.dropped {
                // A broker restart resets its counter: count the new value as growth, as Prometheus does.
                let growth = dropped >= totals.dropped ? dropped - totals.dropped : dropped
                if growth > 0 { self.dropped.increment(by: growth) }
                totals.dropped = dropped
            }
            for (filter, total) in snapshot.messagesByFilter {
                let entry =
                    totals.messages[filter] ?? (
                        self.registry.makeCounter(
                            descriptor: .named(
                                "prescale_mqtt_messages_received_total",
                                help: "Messages counted by Prescale's own subscription, by broker and topic filter."),
                            labels: [("broker", self.broker), ("filter", filter)]),
                        0
                    )
                let growth = total >= entry.last ? total - entry.last : total
                if growth > 0 { entry.counter.increment(by: Int64(truncatingIfNeeded: growth)) }
                totals.messages[filter] = (entry.counter, total)
            }
            for (filter, entry) in totals.messages where snapshot.messagesByFilter[filter] == nil {
                self.registry.unregisterCounter(entry.counter)
                totals.messages.removeValue(forKey: filter)
            }
        }
    }

    func unregister() {
        self.registry.unregisterGauge(self.connected)
        self.registry.unregisterGauge(self.backlog)
        self.registry.unregisterCounter(self.dropped)
        self.totals.withLock { totals in
            for entry in totals.messages.values { self.registry.unregisterCounter(entry.counter) }
        }
    }
}

extension ScalerMetrics {
    /// Mirrors the MQTT connections into their series at scrape time; series of closed connections go.
    public func updateBrokers(_ snapshots: [BrokerSnapshot]) {
        self.brokerSeries.withLock { table in
            for snapshot in snapshots {
                let series = table[snapshot.broker] ?? BrokerSeries(registry: self.registry, broker: snapshot.broker)
                table[snapshot.broker] = series
                series.update(snapshot)
            }
            let live = Set(snapshots.map(\.broker))
            for (broker, series) in table where !live.contains(broker) {
                series.unregister()
                table.removeValue(forKey: broker)
            }
        }
    }
}
