/// How one policy did on one run.
public struct SimulationResult: Sendable {
    /// The policy.
    public var policy: String
    /// Σ replicas that existed (starting or ready) × seconds: the cost.
    public var replicaSeconds: Double
    /// Message wait (arrival to the start of consumption, FIFO) percentiles, in seconds.
    public var waitP50: Double
    public var waitP95: Double
    public var waitP99: Double
    /// The share of messages that waited longer than the SLO.
    public var overSLO: Double
    /// The longest run of consecutive seconds in which fewer replicas were ready than the arrival rate
    /// needed (`ceil(rate / capacity per replica)`, at most the maximum): how long, after a burst
    /// starts, until the replicas it needs are ready.
    public var timeToCapacity: Double = 0
    /// The largest backlog seen.
    public var maximumBacklog: Double
    /// Replicas started.
    public var coldStarts: Int
    /// Changes of the replica count.
    public var scaleEvents: Int
    /// Changes of scaling direction (up then down, or down then up).
    public var reversals: Int
    /// HPA scale-downs that undid a direct scale-up at the next sync (0 without direct scale-up).
    public var reverts: Int
    /// Messages that arrived, and that were served (equal after the drain).
    public var arrived: Double
    public var served: Double
    /// Seconds simulated (the trace plus the drain).
    public var seconds: Double
    /// Per-second timeline for charts: backlog and replicas.
    public var backlog: [Double]
    public var replicas: [Double]
    /// Per-second planner explanation, for policies that run the planner (empty otherwise).
    public var plan: [PlanPoint] = []
}

/// What the planner said at the end of one simulated second.
public struct PlanPoint: Sendable, Hashable {
    /// The value reported to KEDA.
    public var value: Double
    /// The replicas the queueing plan asked for (0 while the capacity is unknown).
    public var plannedReplicas: Int
    /// The rate planned for because a burst began (burst memory), messages per second.
    public var burstRate: Double
}
