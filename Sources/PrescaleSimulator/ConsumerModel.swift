import PrescaleCore

/// The workers being scaled: how fast a replica consumes, how long it takes to start, and the limits.
public struct ConsumerModel: Sendable, Hashable {
    /// Messages one ready replica consumes per second. Default: 25.
    public var ratePerReplica: Double = 25
    /// With a trace whose messages carry work (tokens): work units one replica handles per second.
    /// Service time is then proportional to each message's work; `ratePerReplica` is what policies
    /// assume per replica (the trace's mean). Default: `nil` (every message is one unit).
    public var workPerReplica: Double?
    /// Seconds from a replica being created to it consuming (pod scheduling + runtime start +
    /// consumer start). Default: 2.
    public var coldStartSeconds: Double = 2
    /// Seconds every consumer pauses when the group changes size (a Kafka rebalance). Default: 0.
    public var rebalancePauseSeconds: Double = 0
    /// Seconds between the consumers' offset commits. The lag a Kafka scaler reads (KEDA's and
    /// Prescale's) is what arrived minus what was committed, so messages consumed since the last commit
    /// still count as lag; librdkafka and the Java client commit every 5 s by default
    /// (`auto.commit.interval.ms`). The first commit is half an interval in. Default: 0, a commit as each
    /// message is consumed.
    public var commitIntervalSeconds: Double = 0
    /// Consumers beyond this do nothing (Kafka partitions). Default: 100.
    public var partitions = 100
    /// The replica maximum (`maxReplicaCount`). Default: 100.
    public var maximumReplicas = 100

    /// Creates the default model.
    public init() {}
}

/// The settings of the control paths the policies model. Defaults are KEDA's, the HPA's and Knative's.
public struct ControlPathSettings: Sendable, Hashable {
    /// KEDA `pollingInterval` (activation checks) for the `keda` policy. Default: 30 s.
    public var pollingInterval: Double = 30
    /// KEDA `pollingInterval` for `keda-fast`. Default: 1 s.
    public var fastPollingInterval: Double = 1
    /// HPA sync period. Default: 15 s.
    public var hpaSyncSeconds = PredictionSpec.defaultHPASyncSeconds
    /// The HPA behaviour of the reactive policies (`keda`, `keda-fast`). Default: Kubernetes' own,
    /// which KEDA leaves in place.
    public var kedaBehavior: HPABehavior = .kubernetesDefault
    /// The HPA behaviour of `prescale` and `prescale-direct`: what Prescale's ScaledObjects ship.
    /// Default: ``HPABehavior/prescale``.
    public var prescaleBehavior: HPABehavior = .prescale
    /// HPA tolerance. Default: 0.1.
    public var hpaTolerance = HPABehavior.tolerance
    /// KEDA `cooldownPeriod` before scaling to zero, for the reactive policies. Default: KEDA's, 300 s.
    public var cooldownSeconds = Double(KEDACooldown.kedaDefaultSeconds)
    /// KEDA `cooldownPeriod` for `prescale` and `prescale-direct`: what Prescale's ScaledObjects ship.
    /// Default: ``KEDACooldown/prescaleSeconds`` (60 s).
    public var prescaleCooldownSeconds = Double(KEDACooldown.prescaleSeconds)
    /// The metric target per replica (`lagThreshold`), in messages of backlog. Default: the consumer
    /// rate × 1 s.
    public var target: Double?
    /// Knative KPA stable window. Default: 60 s.
    public var kpaStableWindow: Double = 60
    /// Knative KPA panic window. Default: 6 s.
    public var kpaPanicWindow: Double = 6
    /// Knative KPA panic threshold. Default: 2 (200%).
    public var kpaPanicThreshold: Double = 2
    /// Knative KPA tick. Default: 2 s.
    public var kpaTick: Double = 2
    /// Knative KPA target utilisation of a replica's rate. Default: 0.7.
    public var kpaTargetUtilization: Double = 0.7
    /// How often Prescale samples the source. Default: 1 s.
    public var sampleInterval: Double = 1
    /// Whether Prescale's planner is given the ready replicas (a replica source, as the server's
    /// `ReplicaWatcher` reads them); without one it learns no capacity. Default: true.
    public var replicaSource = true
    /// Whether Prescale's planner is told the messages consumed but not yet committed, as the server's
    /// Kafka source estimates them from the commit cadence (``CommitCadence``); off only to measure what
    /// that estimate is worth. Default: true.
    public var commitCadence = true
    /// Whether Prescale's planner allows for the consumer group's rebalance pause after its replicas
    /// change (``PredictionSpec/followsRebalances``); off only to measure what that is worth. Default: true.
    public var rebalanceGuard = true
    /// Whether `prescale-direct` also lowers the replicas to its value at every sample once changes are
    /// seen to cost no rebalance pause (``PredictionSpec/lowersReplicas``), a design the server's actuator
    /// does not implement; on only to measure it. Default: false.
    public var directScaleDown = false

    /// Creates the defaults.
    public init() {}
}
