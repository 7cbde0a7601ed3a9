import PrescaleCore
import Prometheus
import Synchronization

/// Per-trigger gauges by (namespace, ScaledObject, metric), reference-counted because two triggers
/// may share those labels (the same ScaledObject with the same source twice).
struct TriggerSeriesTable {
    struct Entry {
        var series: TriggerSeries
        var references: Int
    }
    var entries: [TriggerSeriesLabels: Entry] = [:]
}

struct TriggerSeriesLabels: Hashable {
    var namespace: String
    var scaledObject: String
    var metric: String
    var source: String
}

/// The gauges of one trigger: value, target, active and source availability.
final class TriggerSeries: Sendable {
    let value: Gauge
    let target: Gauge
    let active: Gauge
    let available: Gauge
    let desiredReplicas: Gauge
    let requests: Counter
    let errors: Counter
    let sampleAge: Gauge
    /// Created for predicting triggers when they first report whether they have a replica source.
    let replicaSource = Mutex<Gauge?>(nil)
    let scaleDownWindow = Mutex<Gauge?>(nil)
    let readyReplicas = Mutex<Gauge?>(nil)
    let cooldown = Mutex<Gauge?>(nil)
    /// The monotonic time of the latest sample, for the age gauge set at scrape time.
    let lastSampleTime = Mutex<Double?>(nil)
    /// Created with the first decision that carries a prediction: triggers that share these labels
    /// may differ in `predict` (an edited ScaledObject while the old trigger is not yet evicted).
    let prediction: Mutex<PredictionSeries?>
    let registry: PrometheusCollectorRegistry
    let pairs: [(String, String)]

    init(registry: PrometheusCollectorRegistry, labels: TriggerSeriesLabels) {
        let pairs = [
            ("namespace", labels.namespace), ("scaledobject", labels.scaledObject), ("metric", labels.metric),
            ("source", labels.source),
        ]
        self.value = registry.makeGauge(
            descriptor: .named("prescale_trigger_value", help: "The metric value Prescale reports to KEDA for the trigger."), labels: pairs)
        self.target = registry.makeGauge(
            descriptor: .named("prescale_trigger_target", help: "The target value per replica of the trigger."), labels: pairs)
        self.active = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_active", help: "1 when the trigger is active (value above its activation threshold), else 0."),
            labels: pairs)
        self.available = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_source_available",
                help: "1 when the trigger's source has a current sample, 0 while it answers UNAVAILABLE."), labels: pairs)
        self.desiredReplicas = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_desired_replicas",
                help: "ceil(value / target): the replica count the HPA computes from the reported value."), labels: pairs)
        self.requests = registry.makeCounter(
            descriptor: .named("prescale_trigger_requests_total", help: "KEDA calls (any ExternalScaler RPC) about the trigger."),
            labels: pairs)
        self.errors = registry.makeCounter(
            descriptor: .named(
                "prescale_trigger_errors_total",
                help:
                    "Samples of the trigger's source that failed (it then answers UNAVAILABLE); prescale_source_errors_total has them by reason."
            ),
            labels: pairs)
        self.sampleAge = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_sample_age_seconds",
                help: "Seconds since the trigger's source last produced a sample (NaN before the first); grows while the source fails."),
            labels: pairs)
        self.sampleAge.set(Double.nan)
        self.prediction = Mutex(nil)
        self.registry = registry
        self.pairs = pairs
    }

    /// Sets the gauge kept in `slot` (a series only some triggers report), making it on first use.
    func set(_ slot: borrowing Mutex<Gauge?>, _ name: String, to value: Int64, help: String) {
        self.registry.lazyGauge(in: slot, name: name, help: help, labels: self.pairs).set(value)
    }

    func updatePrediction(_ decision: PlannerDecision) {
        guard decision.prediction != nil else { return }
        let series = self.prediction.withLock { series -> PredictionSeries in
            if let series { return series }
            let created = PredictionSeries(registry: self.registry, labels: self.pairs)
            series = created
            return created
        }
        series.update(decision)
    }

    func unregister(from registry: PrometheusCollectorRegistry) {
        for gauge in [self.value, self.target, self.active, self.available, self.desiredReplicas, self.sampleAge] {
            registry.unregisterGauge(gauge)
        }
        registry.unregisterCounter(self.requests)
        registry.unregisterCounter(self.errors)
        let lazy = [
            self.replicaSource.withLock { $0 }, self.scaleDownWindow.withLock { $0 }, self.readyReplicas.withLock { $0 },
            self.cooldown.withLock { $0 },
        ]
        for gauge in lazy.compactMap({ $0 }) { registry.unregisterGauge(gauge) }
        self.prediction.withLock { $0 }?.unregister(from: registry)
    }
}

/// Feeds one trigger's status into its gauges.
struct TriggerSeriesObserver: TriggerObserver {
    let metrics: ScalerMetrics
    let labels: TriggerSeriesLabels
    let series: TriggerSeries?
    let source: SourceKind

    func update(_ status: TriggerStatus) {
        switch status {
        case .pending:
            self.series?.available.set(Int64(0))
        case .failed(let failure):
            self.series?.available.set(Int64(0))
            self.series?.errors.increment()
            self.metrics.recordSourceError(source: self.source, failure: failure)
        case .ready(let decision):
            guard let series = self.series else { return }
            series.available.set(Int64(1))
            series.value.set(decision.value)
            series.target.set(decision.target)
            series.active.set(Int64(decision.isActive ? 1 : 0))
            series.desiredReplicas.set(Int64(decision.desiredReplicas))
            series.lastSampleTime.withLock { $0 = decision.sampleTime }
            series.updatePrediction(decision)
        }
    }

    func requested() {
        self.series?.requests.increment()
    }

    func replicaSource(available: Bool) {
        guard let series = self.series else { return }
        series.set(
            series.replicaSource, "prescale_trigger_replica_source", to: Int64(available ? 1 : 0),
            help:
                "1 while a predicting trigger can read its target's ready replicas (how it learns the capacity of one replica); 0 without a replica source (--actuation disabled, out of cluster, RBAC forbidden, no such target): it then answers with KEDA's value until a capacity is known."
        )
    }

    func readyReplicas(_ count: Int) {
        guard let series = self.series else { return }
        series.set(
            series.readyReplicas, "prescale_trigger_ready_replicas", to: Int64(count),
            help:
                "The ready replicas of a predicting trigger's target, as last read from the cluster (at most one per Kafka partition counts as consuming); compare with prescale_trigger_desired_replicas."
        )
    }

    func scaledObjectSettings(scaleDownWindow: Int, cooldown: Int) {
        guard let series = self.series else { return }
        series.set(
            series.scaleDownWindow, "prescale_trigger_hpa_scale_down_window_seconds", to: Int64(scaleDownWindow),
            help:
                "The scale-down stabilisation window of the HPA this trigger's ScaledObject makes, as read with its replicas (300, Kubernetes' default, when it sets none). Prescale's value already holds replicas for up to 60 s; its ScaledObjects ship 0."
        )
        series.set(
            series.cooldown, "prescale_trigger_keda_cooldown_seconds", to: Int64(cooldown),
            help:
                "The cooldownPeriod of this trigger's ScaledObject, as read with its replicas (300, KEDA's default, when it sets none): how long an idle target keeps a replica. Prescale's ScaledObjects ship 60."
        )
    }

    func release() {
        guard self.series != nil else { return }
        let removed = self.metrics.triggerSeries.withLock { table -> TriggerSeries? in
            guard var entry = table.entries[self.labels] else { return nil }
            entry.references -= 1
            if entry.references > 0 {
                table.entries[self.labels] = entry
                return nil
            }
            table.entries.removeValue(forKey: self.labels)
            return entry.series
        }
        removed?.unregister(from: self.metrics.registry)
    }
}

extension ScalerMetrics {
    /// Sets every trigger's sample age from its latest sample's time; called when `/metrics` is scraped.
    public func updateSampleAges(now: Double = MonotonicTime.now()) {
        let series = self.triggerSeries.withLock { $0.entries.values.map(\.series) }
        for entry in series {
            if let time = entry.lastSampleTime.withLock({ $0 }) {
                entry.sampleAge.set(max(0, now - time))
            }
        }
    }
}

extension ScalerMetrics: TriggerObserverFactory {
    public func makeObserver(key: TriggerKey, spec: TriggerSpec) -> (any TriggerObserver)? {
        let labels = TriggerSeriesLabels(
            namespace: key.namespace,
            scaledObject: key.name,
            metric: spec.metricName,
            source: spec.kind.rawValue
        )
        let series = self.triggerSeries.withLock { table -> TriggerSeries? in
            if var entry = table.entries[labels] {
                entry.references += 1
                table.entries[labels] = entry
                return entry.series
            }
            guard table.entries.count < self.maximumTriggerSeries else { return nil }
            let series = TriggerSeries(registry: self.registry, labels: labels)
            table.entries[labels] = .init(series: series, references: 1)
            return series
        }
        if series == nil { self.dropSeries() }
        return TriggerSeriesObserver(metrics: self, labels: labels, series: series, source: spec.kind)
    }
}
