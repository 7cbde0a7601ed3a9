extension PlannerDecision {
    /// One line that says why the value is what it is, for Events and logs: the queueing plan when the
    /// capacity is known ("planned 8 replicas: forecast 120/s (upper 150/s), 15.0/s per replica, backlog 410
    /// in 17 s"), else the value against the target.
    public var reason: String {
        func number(_ value: Double) -> String {
            guard value.isFinite else { return "\(value)" }
            if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
            let tenths = (value * 10).rounded() / 10
            return tenths == tenths.rounded() ? String(Int64(tenths)) : String(tenths)
        }
        let base = "value \(number(self.value)) at target \(number(self.target)) (KEDA's own: \(number(self.reactiveValue)))"
        guard let prediction = self.prediction, let planned = prediction.plannedReplicas, let capacity = prediction.capacity else {
            return base
        }
        var text = "planned \(planned) replicas: forecast \(number(prediction.forecastRate))/s (upper \(number(prediction.upperRate))/s)"
        if prediction.burstRate > 0 {
            text += ", a burst like the last ones \(prediction.burstDue ? "due " : "")at \(number(prediction.burstRate))/s"
        }
        text +=
            ", \(number(capacity))/s per replica, backlog \(number(prediction.predictedBacklog)) in \(number(prediction.leadTimeSeconds)) s"
        return text + "; " + base
    }
}
