/// What the predictive planner saw and concluded, for `/metrics`, `prescale plan` and the simulator.
public struct PredictionExplanation: Sendable, Hashable {
    /// The forecast mean arrival rate over the lead time (messages per second).
    public var forecastRate: Double
    /// The forecast plus the conformal headroom: the rate planned for.
    public var upperRate: Double
    /// The backlog (or, for windowed sources, the window count) predicted at the lead time.
    public var predictedBacklog: Double
    /// The forecaster chosen by the lowest recent loss.
    public var model: ForecastModel
    /// The lead time used, in seconds.
    public var leadTimeSeconds: Double
    /// Replicas the queueing plan needs when new capacity is ready, once a per-replica capacity is
    /// known (learned, or the `messagesPerReplicaPerSecond` prior).
    public var plannedReplicas: Int?
    /// The per-replica capacity used, messages per second (learned or the prior).
    public var capacity: Double?
    /// How much the learned capacity can be trusted, 0 to 1 (0 for a prior alone).
    public var capacityConfidence: Double
    /// The rate planned for because a burst began or, in a silence, is due (the median peak of past
    /// bursts, ``BurstMemory``), else 0.
    public var burstRate: Double
    /// Whether ``burstRate`` is for a burst that has not begun: pre-warmed because bursts recur at
    /// regular silences (``BurstMemory/prewarmRate(at:lead:)``).
    public var burstDue: Bool = false
    /// While no capacity is known: the highest value the trigger may report, one step of Kubernetes'
    /// default scale-up per sync above what it asked for before (``DefaultScaleUpBound``);
    /// the value is never below min(reactive value, this). `nil` once a capacity is known and for
    /// windowed sources.
    public var scaleUpBound: Double?
    /// For a backlog source (Kafka), scored one lead time after the prediction: |the backlog predicted
    /// for now, a lead time ago − the backlog now| (``predictedBacklogError``) next to |the backlog then
    /// − the backlog now| (``reactiveBacklogError``), the error of KEDA's own value, which takes today's
    /// backlog for the one to come. `nil` before the first lead time has passed and for windowed sources.
    public var predictedBacklogError: Double?
    /// See ``predictedBacklogError``.
    public var reactiveBacklogError: Double?
    /// Once the capacity is learned from data, the floor in place of the reactive value: the value whose
    /// replicas drain today's backlog within ``PredictionSpec/floorDrainSeconds`` at that capacity (the
    /// same replicas for any `lagThreshold`); `nil` before.
    public var learnedFloor: Double?
    /// Once a per-replica capacity is known: the part of the value that serves the rate planned for (the
    /// value landing on ceil(rate / capacity) replicas), without the backlog's drain or the learned floor.
    /// The scale-down hold keeps only this part, so replicas asked for to drain a backlog leave once it
    /// is drained; `nil` before a capacity is known (the whole value is held).
    public var servingValue: Double?

    /// Of the backlog the source read, what it estimated consumed and not yet committed (a group that
    /// commits every few seconds, ``MetricSample/uncommitted``), which the planner left out; 0 otherwise.
    public var uncommitted: Double = 0

    /// Whether Prescale lowers the target's replicas to this value itself (``PredictionSpec/lowersReplicas``,
    /// once changes of the replica count are seen to cost the group no pause): the value then keeps no
    /// rise and is held one sync.
    public var lowersReplicas = false

    /// Creates an explanation.
    public init(
        forecastRate: Double,
        upperRate: Double,
        predictedBacklog: Double,
        model: ForecastModel,
        leadTimeSeconds: Double,
        plannedReplicas: Int? = nil,
        capacity: Double? = nil,
        capacityConfidence: Double = 0,
        burstRate: Double = 0,
        learnedFloor: Double? = nil
    ) {
        self.forecastRate = forecastRate
        self.upperRate = upperRate
        self.predictedBacklog = predictedBacklog
        self.model = model
        self.leadTimeSeconds = leadTimeSeconds
        self.plannedReplicas = plannedReplicas
        self.capacity = capacity
        self.capacityConfidence = capacityConfidence
        self.burstRate = burstRate
        self.learnedFloor = learnedFloor
    }
}
