/// The parts of a HorizontalPodAutoscaler's `spec.behavior` (autoscaling/v2) that decide how fast it
/// moves, as KEDA passes them through `spec.advanced.horizontalPodAutoscalerConfig.behavior`.
///
/// Scale-up adds at most max(``scaleUpPods``, ``scaleUpPercent``% of the current count) per
/// ``periodSeconds`` (`selectPolicy: Max`); scale-down goes no lower than the highest recommendation
/// of the last ``scaleDownStabilizationSeconds``.
public struct HPABehavior: Sendable, Hashable {
    /// The HPA controller's default tolerance (`--horizontal-pod-autoscaler-tolerance`): no change
    /// while the usage ratio is within 10% of 1.
    public static let tolerance = 0.1

    /// `scaleUp.policies[type=Pods].value`.
    public var scaleUpPods: Int
    /// `scaleUp.policies[type=Percent].value`.
    public var scaleUpPercent: Int
    /// `scaleUp.stabilizationWindowSeconds`.
    public var scaleUpStabilizationSeconds: Int
    /// `scaleDown.stabilizationWindowSeconds`.
    public var scaleDownStabilizationSeconds: Int
    /// `scaleDown.policies[type=Percent].value`.
    public var scaleDownPercent: Int
    /// `periodSeconds` of every policy.
    public var periodSeconds: Int

    /// Creates a behaviour.
    public init(
        scaleUpPods: Int, scaleUpPercent: Int, scaleUpStabilizationSeconds: Int = 0,
        scaleDownStabilizationSeconds: Int, scaleDownPercent: Int = 100, periodSeconds: Int = 15
    ) {
        self.scaleUpPods = scaleUpPods
        self.scaleUpPercent = scaleUpPercent
        self.scaleUpStabilizationSeconds = scaleUpStabilizationSeconds
        self.scaleDownStabilizationSeconds = scaleDownStabilizationSeconds
        self.scaleDownPercent = scaleDownPercent
        self.periodSeconds = periodSeconds
    }

    /// Kubernetes' defaults, which KEDA leaves in place: up by max(4 pods, 100%) per 15 s, down to
    /// the highest recommendation of the last 300 s (100% per 15 s).
    public static let kubernetesDefault = HPABehavior(
        scaleUpPods: 4, scaleUpPercent: 100, scaleDownStabilizationSeconds: 300)

    /// What Prescale's ScaledObjects ship: scale-up as far as the value asks in one sync (the value is
    /// already a plan, not a raw signal to be rate-limited), and no scale-down window: the value carries
    /// the stabilisation (``ScaleDownHold``: held 60 s, released when the plan knows the load has ended),
    /// so replicas leave when the plan says rather than a fixed window after the highest value.
    public static let prescale = HPABehavior(
        scaleUpPods: 100, scaleUpPercent: 900, scaleDownStabilizationSeconds: 0)

    /// The most replicas one scale-up step may reach from `current`.
    public func scaleUpLimit(current: Int) -> Int {
        max(current + current * self.scaleUpPercent / 100, current + self.scaleUpPods)
    }

    /// The `spec.advanced.horizontalPodAutoscalerConfig.behavior` block as YAML lines, indented by
    /// `indent` spaces (for `prescale tune` and the shipped ScaledObjects).
    public func yaml(indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return """
            \(pad)scaleUp:
            \(pad)  stabilizationWindowSeconds: \(self.scaleUpStabilizationSeconds)
            \(pad)  selectPolicy: Max
            \(pad)  policies:
            \(pad)    - type: Pods
            \(pad)      value: \(self.scaleUpPods)
            \(pad)      periodSeconds: \(self.periodSeconds)
            \(pad)    - type: Percent
            \(pad)      value: \(self.scaleUpPercent)
            \(pad)      periodSeconds: \(self.periodSeconds)
            \(pad)scaleDown:
            \(pad)  stabilizationWindowSeconds: \(self.scaleDownStabilizationSeconds)
            \(pad)  policies:
            \(pad)    - type: Percent
            \(pad)      value: \(self.scaleDownPercent)
            \(pad)      periodSeconds: \(self.periodSeconds)
            """
    }
}
