import PrescaleCore
import Prometheus
import Synchronization

/// The series of one actuated ScaledObject.
final class ActuationSeries: Sendable {
    let patches: Counter
    let dryRunPatches: Counter
    let current: Gauge
    let desired: Gauge
    let pairs: [(String, String)]
    let labelled = Mutex<[String: Counter]>([:])

    init(registry: PrometheusCollectorRegistry, key: ScaledObjectKey) {
        let pairs = [("namespace", key.namespace), ("scaledobject", key.name)]
        self.pairs = pairs
        self.patches = registry.makeCounter(
            descriptor: .named("prescale_actuation_patches_total", help: "Scale-up patches sent to the target's scale subresource."),
            labels: pairs)
        self.dryRunPatches = registry.makeCounter(
            descriptor: .named("prescale_actuation_dry_run_patches_total", help: "Patches that --actuation dry-run would have sent."),
            labels: pairs)
        self.current = registry.makeGauge(
            descriptor: .named("prescale_actuation_current_replicas", help: "The target's spec.replicas as last read by the actuator."),
            labels: pairs)
        self.desired = registry.makeGauge(
            descriptor: .named(
                "prescale_actuation_desired_replicas",
                help: "ceil(value / target) clamped to the ScaledObject's bounds: what the actuator wants."), labels: pairs)
    }

    /// A failure or skip counter with one more label, made on first use.
    func counter(_ registry: PrometheusCollectorRegistry, name: String, help: String, label: (String, String)) -> Counter {
        let key = "\(name)|\(label.1)"
        return self.labelled.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(descriptor: .named(name, help: help), labels: self.pairs + [label])
            counters[key] = counter
            return counter
        }
    }

    func unregister(from registry: PrometheusCollectorRegistry) {
        registry.unregisterCounter(self.patches)
        registry.unregisterCounter(self.dryRunPatches)
        registry.unregisterGauge(self.current)
        registry.unregisterGauge(self.desired)
        for counter in self.labelled.withLock({ Array($0.values) }) { registry.unregisterCounter(counter) }
    }
}

extension ScalerMetrics: ActuatorObserver {
    func actuationSeries(_ key: ScaledObjectKey) -> ActuationSeries {
        self.actuation.withLock { table in
            if let series = table[key] { return series }
            let series = ActuationSeries(registry: self.registry, key: key)
            table[key] = series
            return series
        }
    }

    public func patched(_ key: ScaledObjectKey, replicas: Int, latency: Duration) {
        self.actuationSeries(key).patches.increment()
        self.actuationLatency.record(latency)
    }

    public func wouldPatch(_ key: ScaledObjectKey, replicas: Int) {
        self.actuationSeries(key).dryRunPatches.increment()
    }

    public func failed(_ key: ScaledObjectKey, code: String) {
        self.actuationSeries(key).counter(
            self.registry,
            name: "prescale_actuation_failures_total",
            help: "Kubernetes API calls of the actuator that failed, by error code (forbidden, not_found, unreachable, ...).",
            label: ("code", code)
        ).increment()
    }

    public func skipped(_ key: ScaledObjectKey, reason: ActuationSkipReason) {
        self.actuationSeries(key).counter(
            self.registry,
            name: "prescale_actuation_skipped_total",
            help: "Decisions that did not become a patch, by reason (not_above_current, rate_limited, not_leader, inactive).",
            label: ("reason", reason.rawValue)
        ).increment()
    }

    public func replicas(_ key: ScaledObjectKey, current: Int, desired: Int) {
        let series = self.actuationSeries(key)
        series.current.set(Int64(current))
        series.desired.set(Int64(desired))
    }

    public func released(_ key: ScaledObjectKey) {
        let removed = self.actuation.withLock { $0.removeValue(forKey: key) }
        removed?.unregister(from: self.registry)
    }

    /// 1 while this replica holds the actuation lease.
    public func setLeader(_ leading: Bool) {
        self.registry.lazyGauge(
            in: self.actuationLeader, name: "prescale_actuation_leader",
            help:
                "1 while this replica holds the actuation lease (or actuates without leader election), else 0; absent when actuation is disabled."
        ).set(Int64(leading ? 1 : 0))
    }
}
