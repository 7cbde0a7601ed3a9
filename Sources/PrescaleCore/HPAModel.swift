/// The Kubernetes HorizontalPodAutoscaler for one KEDA external metric, as the simulator and the demo
/// replay it: an `AverageValue` target, a sync every ``syncSeconds``, no change within the
/// ``tolerance``, and an ``HPABehavior`` (scale-up limit per sync, scale-down stabilisation window).
///
/// ```swift
/// var hpa = HPAModel(behavior: .kubernetesDefault, maximum: 100)
/// hpa.sync(now: 0, current: 1, value: 100, target: 1)   // 5: max(1 + 4 pods, 1 + 100%)
/// ```
public struct HPAModel: Sendable {
    /// The controller's sync period (`--horizontal-pod-autoscaler-sync-period`).
    public let syncSeconds: Double
    /// The controller's tolerance (`--horizontal-pod-autoscaler-tolerance`).
    public let tolerance: Double
    /// The HPA's `spec.behavior`.
    public let behavior: HPABehavior
    /// `maxReplicaCount`.
    public let maximum: Int
    private var nextSync: Double = 0
    /// Recent recommendations (time, replicas), for the scale-down stabilisation window.
    private var recommendations: [(time: Double, replicas: Int)] = []

    /// Creates a model; the sync period and tolerance default to the controller's (15 s, 10%).
    public init(
        syncSeconds: Double = PredictionSpec.defaultHPASyncSeconds, tolerance: Double = HPABehavior.tolerance, behavior: HPABehavior,
        maximum: Int
    ) {
        self.syncSeconds = syncSeconds
        self.tolerance = tolerance
        self.behavior = behavior
        self.maximum = maximum
    }

    /// At a sync (every ``syncSeconds``), the new replica count for `value` against `target`; `nil`
    /// between syncs or while KEDA holds the target at zero.
    ///
    /// A scale-down never goes below the highest recommendation of the stabilisation window, and a
    /// count set by someone else between syncs (direct actuation) is the new current count: the HPA
    /// scales it down only if its own recommendation is lower.
    public mutating func sync(now: Double, current: Int, value: Double, target: Double) -> Int? {
        guard now >= self.nextSync else { return nil }
        self.nextSync = now + self.syncSeconds
        guard current > 0 else {
            self.recommendations.removeAll(keepingCapacity: true)
            return nil
        }
        var desired = PlannerDecision.replicas(value: value, target: target)
        let ratio = value / (target * Double(current))
        if abs(ratio - 1) <= self.tolerance { desired = current }
        desired = min(max(desired, 1), self.maximum)
        if desired > current {
            desired = min(desired, self.behavior.scaleUpLimit(current: current))
        }
        self.recommendations.append((now, desired))
        let horizon = now - Double(self.behavior.scaleDownStabilizationSeconds)
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
