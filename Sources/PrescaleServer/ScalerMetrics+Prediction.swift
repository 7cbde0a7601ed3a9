import PrescaleCore
import Prometheus

/// The gauges that show why a predicting trigger scaled: the observed (reactive) value next to the
/// forecast, the upper bound, the predicted backlog and the chosen model.
final class PredictionSeries: Sendable {
    let observed: Gauge
    let floor: Gauge
    let forecastRate: Gauge
    let upperRate: Gauge
    let predictedBacklog: Gauge
    let uncommitted: Gauge
    let capacity: Gauge
    let capacityConfidence: Gauge
    let plannedReplicas: Gauge
    let burstRate: Gauge
    let leadTime: Gauge
    let models: [ForecastModel: Gauge]
    let forecastError: Counter
    let reactiveError: Counter

    init(registry: PrometheusCollectorRegistry, labels: [(String, String)]) {
        self.observed = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_observed_value",
                help: "The reactive value (what KEDA's own scaler would report) next to the reported prescale_trigger_value."),
            labels: labels)
        self.floor = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_value_floor",
                help:
                    "The lowest value the planner may report: once the capacity is learned, the value of the replicas that drain the backlog within 1 s at that capacity; with a prior alone, the observed value; while a Kafka trigger knows no capacity, at most the value grown by one step of Kubernetes' default HPA scale-up per sync. The observed value here leaves out the messages a periodically committing group consumed and has not committed (prescale_trigger_uncommitted_messages)."
            ), labels: labels)
        self.forecastRate = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_forecast_rate", help: "Forecast mean arrival rate over the lead time, messages per second."),
            labels: labels)
        self.upperRate = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_forecast_upper_rate",
                help: "Forecast plus conformal headroom (the predictQuantile of recent residuals): the rate planned for."), labels: labels)
        self.predictedBacklog = registry.makeGauge(
            descriptor: .named("prescale_trigger_predicted_backlog", help: "Backlog (or window count) predicted at the lead time."),
            labels: labels)
        self.uncommitted = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_uncommitted_messages",
                help:
                    "Kafka triggers whose group commits every few seconds: messages of the lag estimated consumed and not yet committed, which the planner leaves out of the backlog; 0 otherwise."
            ), labels: labels)
        self.capacity = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_capacity_per_replica",
                help:
                    "Messages one replica consumes per second, learned while the consumers are saturated (or the messagesPerReplicaPerSecond prior); 0 while unknown."
            ), labels: labels)
        self.capacityConfidence = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_capacity_confidence",
                help:
                    "Confidence in the learned capacity, 0 to 1: the share of the estimator's window filled times the share of it within 20% of the estimate."
            ), labels: labels)
        self.plannedReplicas = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_planned_replicas",
                help: "Replicas the queueing plan needs when new capacity is ready (0 while the capacity is unknown)."), labels: labels)
        self.burstRate = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_burst_rate",
                help: "The rate planned for because a burst began (the median peak of past bursts), messages per second; 0 otherwise."),
            labels: labels)
        self.leadTime = registry.makeGauge(
            descriptor: .named(
                "prescale_trigger_lead_time_seconds",
                help: "How far ahead the planner looks: the control path's delay from a decision to ready replicas."), labels: labels)
        self.forecastError = registry.makeCounter(
            descriptor: .named(
                "prescale_trigger_forecast_error_messages_total",
                help:
                    "Kafka triggers: the sum over samples of |backlog predicted a lead time earlier for now - backlog now|; compare its rate with prescale_trigger_reactive_error_messages_total's."
            ), labels: labels)
        self.reactiveError = registry.makeCounter(
            descriptor: .named(
                "prescale_trigger_reactive_error_messages_total",
                help:
                    "Kafka triggers: the sum over samples of |backlog a lead time earlier - backlog now|, the error of KEDA's own value, which takes today's backlog for the one to come."
            ), labels: labels)
        var models: [ForecastModel: Gauge] = [:]
        for model in ForecastModel.allCases {
            models[model] = registry.makeGauge(
                descriptor: .named(
                    "prescale_trigger_forecast_model", help: "1 for the forecaster currently chosen (lowest recent loss), else 0."),
                labels: labels + [("model", model.rawValue)])
        }
        self.models = models
    }

    func update(_ decision: PlannerDecision) {
        self.observed.set(decision.reactiveValue)
        self.floor.set(decision.valueFloor)
        guard let prediction = decision.prediction else { return }
        self.forecastRate.set(prediction.forecastRate)
        self.upperRate.set(prediction.upperRate)
        self.predictedBacklog.set(prediction.predictedBacklog)
        self.uncommitted.set(prediction.uncommitted)
        self.capacity.set(prediction.capacity ?? 0)
        self.capacityConfidence.set(prediction.capacityConfidence)
        self.plannedReplicas.set(Int64(prediction.plannedReplicas ?? 0))
        self.burstRate.set(prediction.burstRate)
        self.leadTime.set(prediction.leadTimeSeconds)
        for (model, gauge) in self.models { gauge.set(Int64(model == prediction.model ? 1 : 0)) }
        if let predicted = prediction.predictedBacklogError, let reactive = prediction.reactiveBacklogError {
            self.forecastError.increment(by: predicted)
            self.reactiveError.increment(by: reactive)
        }
    }

    func unregister(from registry: PrometheusCollectorRegistry) {
        for gauge in [
            self.observed, self.floor, self.forecastRate, self.upperRate, self.predictedBacklog, self.uncommitted, self.capacity,
            self.capacityConfidence,
            self.plannedReplicas, self.burstRate, self.leadTime,
        ] + Array(self.models.values) {
            registry.unregisterGauge(gauge)
        }
        registry.unregisterCounter(self.forecastError)
        registry.unregisterCounter(self.reactiveError)
    }
}
