/// How a trigger's value is predicted: the prediction keys shared by every source that has a time
/// series (`kafka`, `mqtt`).
///
/// | key | rule |
/// |---|---|
/// | `predict` | bool, default `true`; `false` reports the reactive value, held for the scale-down window (``ScaleDownHold``) |
/// | `coldStartSeconds` | default 5, 0 to 600: from a pod being created to it consuming |
/// | `leadTimeSeconds` | 1 to 3600; default the control path's delay: `hpaSyncSeconds` (15) + `coldStartSeconds` through the HPA, `sampleSeconds` (1) + `coldStartSeconds` with `actuate: "true"` |
/// | `predictQuantile` | default 0.9, greater than 0 and less than 1 |
/// | `messagesPerReplicaPerSecond` | a number > 0: a prior for the learned per-replica capacity |
/// | `drainSeconds` | default 30, 1 to 86400: how fast the planned replicas drain the backlog |
public struct PredictionSpec: Sendable, Hashable {
    /// The HPA controller's default sync period (`--horizontal-pod-autoscaler-sync-period`, 15 s).
    public static let defaultHPASyncSeconds: Double = 15
    /// `coldStartSeconds` when the metadata does not set it.
    public static let defaultColdStartSeconds: Double = 5
    /// `predictQuantile` when the metadata does not set it.
    public static let defaultQuantile = 0.9
    /// `drainSeconds` when the metadata does not set it.
    public static let defaultDrainSeconds: Double = 30
    /// A source's sample interval, the first part of the lead time with direct actuation.
    public static let sampleSeconds: Double = 1
    /// Once the per-replica capacity is learned, the floor under the plan: the replicas that drain the
    /// current backlog within this many seconds at that capacity. It is the count KEDA's own rule gives
    /// when `lagThreshold` is one sample interval of a replica's work, whatever `lagThreshold` is set to.
    /// (On the shared traces, 2 s and 5 s cost 0-15% less through the HPA at 2-2.8x the p99 wait.)
    public static let floorDrainSeconds: Double = sampleSeconds

    /// `predict`: whether to predict at all.
    public var enabled: Bool
    /// `coldStartSeconds`.
    public var coldStartSeconds: Double
    /// `leadTimeSeconds` when the metadata sets it; otherwise the lead time follows the control path.
    public var leadTimeOverride: Double?
    /// Whether Prescale scales the target up itself (`actuate: "true"`): a shorter control path, and
    /// a value held for one HPA sync after it rises so that the HPA never undoes a direct scale-up.
    public var direct: Bool
    /// `predictQuantile`: the quantile of recent forecast residuals added as headroom.
    public var quantile: Double
    /// `messagesPerReplicaPerSecond`: the prior for the learned capacity, when given.
    public var messagesPerReplicaPerSecond: Double?
    /// `drainSeconds`.
    public var drainSeconds: Double
    /// The HPA controller's sync period in the cluster: the first part of the lead time through the
    /// HPA, the width of the scale-down hold's buckets and the step of the default scale-up bound. Not
    /// metadata: the server's `--hpa-sync-seconds` (K3s as deploy/k3s configures it: 5 s). Default
    /// ``defaultHPASyncSeconds``.
    public var hpaSyncPeriod: Double = PredictionSpec.defaultHPASyncSeconds
    /// Whether the planner allows for a Kafka consumer group's rebalance pause after its replicas
    /// change: the capacity estimator leaves the pause out (``CapacityEstimator``) and a direct
    /// scale-up's floor is paced (``FloorPacing``). Not metadata: off only in `simulate
    /// --no-rebalance-guard`, to measure what it is worth. Default true.
    public var followsRebalances = true
    /// Whether, with direct scale-up, Prescale also lowers the target's replicas to its value at every
    /// sample once changes of the replica count are seen to cost the consumer group no rebalance pause
    /// (``CapacityEstimator/changesAreFree``), so that the value need not be kept for the HPA to read: no
    /// kept rise, and a scale-down hold of one sync (``ScaleDownHold/ownedSyncs``). Not metadata, and not
    /// what the server's actuator does (it only scales up): on only in `simulate --direct-scale-down`,
    /// which measures the design. Default false.
    public var lowersReplicas = false

    /// Creates a spec; the lead time defaults to the control path's delay.
    public init(
        enabled: Bool = true,
        coldStartSeconds: Double = PredictionSpec.defaultColdStartSeconds,
        leadTimeSeconds: Double? = nil,
        direct: Bool = false,
        quantile: Double = PredictionSpec.defaultQuantile,
        messagesPerReplicaPerSecond: Double? = nil,
        drainSeconds: Double = PredictionSpec.defaultDrainSeconds
    ) {
        self.enabled = enabled
        self.coldStartSeconds = coldStartSeconds
        self.leadTimeOverride = leadTimeSeconds
        self.direct = direct
        self.quantile = quantile
        self.messagesPerReplicaPerSecond = messagesPerReplicaPerSecond
        self.drainSeconds = drainSeconds
    }

    /// How far ahead to look: the time from a decision to ready replicas on this trigger's path.
    public var leadTimeSeconds: Double {
        self.leadTimeOverride ?? ((self.direct ? Self.sampleSeconds : self.hpaSyncPeriod) + self.coldStartSeconds)
    }

    /// Every key read.
    public static let keys: Set<String> = [
        "predict", "coldStartSeconds", "leadTimeSeconds", "predictQuantile", "messagesPerReplicaPerSecond", "drainSeconds",
    ]

    /// Parses the prediction keys; `direct` is the trigger's `actuate`.
    public init(metadata reader: MetadataReader, direct: Bool = false) throws(MetadataError) {
        self.init(
            enabled: try reader.bool("predict", default: true),
            coldStartSeconds: try reader.double("coldStartSeconds", default: Self.defaultColdStartSeconds, in: .between(0, 600)),
            leadTimeSeconds: try reader.string("leadTimeSeconds") == nil
                ? nil : reader.double("leadTimeSeconds", default: nil, in: .between(1, 3_600)),
            direct: direct,
            quantile: try reader.double(
                "predictQuantile", default: Self.defaultQuantile, in: NumberRange(lowerBound: 0, lowerInclusive: false, upperBound: 0.999)),
            messagesPerReplicaPerSecond: try reader.string("messagesPerReplicaPerSecond") == nil
                ? nil : reader.double("messagesPerReplicaPerSecond", default: nil, in: .positive),
            drainSeconds: try reader.double("drainSeconds", default: Self.defaultDrainSeconds, in: .between(1, 86_400))
        )
    }
}
