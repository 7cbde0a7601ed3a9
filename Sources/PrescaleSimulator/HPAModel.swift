/// The Kubernetes HPA as KEDA configures it by default: `AverageValue` target, sync every 15 s, 10%
/// tolerance, scale-up by at most max(4 pods, 100%) per sync, scale-down stabilised over 300 s.
struct HPAModel: Sendable {
    let settings: ControlPathSettings
    let maximum: Int
    private var nextSync: Double = 0
    /// Recent recommendations (time, replicas), for the scale-down stabilisation window.
    private var recommendations: [(time: Double, replicas: Int)] = []

    init(settings: ControlPathSettings, maximum: Int) {
        self.settings = settings
        self.maximum = maximum
    }

    /// At a sync (every `hpaSyncSeconds`), the new replica count for `value` against `target`; `nil`
    /// between syncs or while KEDA holds the target at zero.
    mutating func sync(now: Double, current: Int, value: Double, target: Double) -> Int? {
        guard now >= self.nextSync else { return nil }
        self.nextSync = now + self.settings.hpaSyncSeconds
        guard current > 0 else {
            self.recommendations.removeAll(keepingCapacity: true)
            return nil
        }
        var desired = Int((value / target).rounded(.up))
        let ratio = value / (target * Double(current))
        if abs(ratio - 1) <= self.settings.hpaTolerance { desired = current }
        desired = min(max(desired, 1), self.maximum)
        if desired > current {
            let limit = max(Int((Double(current) * self.settings.hpaScaleUpFactor).rounded(.down)), current + self.settings.hpaScaleUpPods)
            desired = min(desired, limit)
        }
        self.recommendations.append((now, desired))
        let horizon = now - self.settings.hpaStabilizationSeconds
        if let stale = self.recommendations.firstIndex(where: { $0.time >= horizon }), stale > 0 {
            self.recommendations.removeFirst(stale)
        }
        if desired < current {
            // Scale down only to the highest recommendation of the stabilisation window.
            let stabilised = self.recommendations.map(\.replicas).max() ?? desired
            return min(current, stabilised)
        }
        return desired
    }
}
