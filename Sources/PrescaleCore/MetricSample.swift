/// One observation of a trigger's source, as the planner consumes it.
///
/// Sources (Kafka lag, MQTT rate and backlog, the static value) all reduce to this shape, and the
/// simulator and `prescale plan` build the same samples from traces, so every consumer of samples runs
/// the same planning code.
public struct MetricSample: Sendable, Hashable {
    /// Seconds since an arbitrary, fixed origin (monotonic).
    public var time: Double
    /// The value KEDA's own scaler would report: for Kafka the capped lag, for `static` the value.
    public var reactiveValue: Double
    /// The value compared with the activation threshold. For Kafka it is the uncapped lag, which
    /// includes persistent lag; usually it equals ``reactiveValue``.
    public var activityValue: Double
    /// Messages waiting (lag, queued messages), when the source knows it.
    public var backlog: Double?
    /// Cumulative messages that have arrived, when the source knows it.
    public var arrived: Double?
    /// Cumulative messages that have been consumed, when the source knows it (for Kafka, committed).
    public var consumed: Double?
    /// Of ``backlog``, the messages estimated consumed but not yet committed (``CommitCadence``), when
    /// the consumers commit periodically; `nil` or 0 otherwise.
    public var uncommitted: Double?
    /// Replicas ready when the sample was taken, when known.
    public var replicas: Int?
    /// The most replicas that can consume at once, when the source knows it (Kafka: the partitions
    /// read, since a partition has one consumer of a group): replicas beyond it are idle and teach
    /// nothing about what one replica consumes.
    public var maximumConsumers: Int?
    /// The highest value the source's own rules allow (Kafka's partition cap), if any: a predicted
    /// value stays at or below it.
    public var valueCap: Double?
    /// For a source whose value is a count of arrivals over a sliding window (MQTT), the window in
    /// seconds; the predicted value is then the forecast rate over that window.
    public var windowSeconds: Double?

    /// Creates a sample.
    public init(
        time: Double,
        reactiveValue: Double,
        activityValue: Double? = nil,
        backlog: Double? = nil,
        arrived: Double? = nil,
        consumed: Double? = nil,
        uncommitted: Double? = nil,
        replicas: Int? = nil,
        maximumConsumers: Int? = nil,
        valueCap: Double? = nil,
        windowSeconds: Double? = nil
    ) {
        self.time = time
        self.reactiveValue = reactiveValue
        self.activityValue = activityValue ?? reactiveValue
        self.backlog = backlog
        self.arrived = arrived
        self.consumed = consumed
        self.uncommitted = uncommitted
        self.replicas = replicas
        self.maximumConsumers = maximumConsumers
        self.valueCap = valueCap
        self.windowSeconds = windowSeconds
    }

    /// The messages still to consume: ``backlog`` less what was consumed and not yet committed (0 when
    /// the source knows no backlog). With no replica ready, nothing is being consumed, so all of it.
    public var waiting: Double { max((self.backlog ?? 0) - self.consumedUncommitted, 0) }

    /// Cumulative messages consumed, including those not yet committed.
    public var progressed: Double? { self.consumed.map { $0 + self.consumedUncommitted } }

    /// ``uncommitted`` as the planner counts it: 0 without it, or when no replica is ready.
    var consumedUncommitted: Double { self.replicas == 0 ? 0 : max(self.uncommitted ?? 0, 0) }

    /// KEDA's value for the messages that wait: ``reactiveValue`` at most ``waiting`` when an uncommitted
    /// estimate applies.
    var reactiveWaiting: Double { self.consumedUncommitted > 0 ? max(min(self.reactiveValue, self.waiting), 0) : self.reactiveValue }
}
