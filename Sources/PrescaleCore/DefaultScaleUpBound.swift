/// The bound on what a predicting backlog trigger (Kafka's lag; not a windowed count) asks for while it
/// does not know what one replica consumes: one step of Kubernetes' default HPA scale-up per sync.
///
/// Prescale's ScaledObjects ship a behaviour that scales up as far as the value asks in one sync
/// (``HPABehavior/prescale``). That is right for a plan; for KEDA's raw value (a replica per
/// `lagThreshold` messages of backlog) it can ask at once for many times what the backlog needs, where
/// Kubernetes' default behaviour adds max(4 pods, 100%) per sync, and a fast consumer drains the backlog
/// before the count gets far. So, until a capacity is known, the value is capped in steps of one HPA
/// sync period: at each step the cap becomes one default scale-up step
/// (``HPABehavior/kubernetesDefault``) above what the value asked for at the previous step (which the
/// HPA has had a full sync to apply), or above the ready replicas when those are known and more. The
/// HPA then scales up by the same steps as KEDA's own trigger would, and, with the value's scale-down
/// hold (``ScaleDownHold``) in place of a 300 s window, down sooner.
public struct DefaultScaleUpBound: Sendable {
    /// The cap, in replicas.
    public private(set) var replicas: Int
    private var asked = 0
    private var nextStep: Double?
    private let syncSeconds: Double

    /// Creates a bound for a trigger with no replicas yet, one default step above one replica, for an
    /// HPA that syncs every `syncSeconds`.
    public init(syncSeconds: Double = PredictionSpec.defaultHPASyncSeconds) {
        self.replicas = HPABehavior.kubernetesDefault.scaleUpLimit(current: 1)
        self.syncSeconds = syncSeconds
    }

    /// Folds in a sample's reactive value at `time` and returns the highest value the trigger may
    /// report: ``replicas`` times `target`.
    public mutating func observe(time: Double, reactiveValue: Double, target: Double, ready: Int?) -> Double {
        if time >= self.nextStep ?? time {
            let base = max(self.asked, ready ?? 0, 1)
            self.replicas = HPABehavior.kubernetesDefault.scaleUpLimit(current: base)
            self.nextStep = time + self.syncSeconds
            self.asked = min(PlannerDecision.replicas(value: reactiveValue, target: target), self.replicas)
        }
        return Double(self.replicas) * target
    }
}
