/// What a policy sees at one tick of the simulation.
public struct ScalingObservation: Sendable {
    /// Simulated seconds since the start.
    public var time: Double
    /// Messages waiting.
    public var backlog: Double
    /// Messages arrived so far.
    public var arrived: Double
    /// Messages consumed so far.
    public var consumed: Double
    /// Messages whose consumption was committed so far (``ConsumerModel/commitIntervalSeconds``): what a
    /// Kafka scaler counts as consumed.
    public var committed: Double
    /// The lag a Kafka scaler reads: the backlog plus what was consumed since the last commit (exactly
    /// the backlog when every consumed message is committed at once).
    public var lag: Double { self.backlog + max(self.consumed - self.committed, 0) }
    /// Replicas consuming (started and not paused).
    public var ready: Int
    /// Replicas that exist (starting or ready): what the control path set.
    public var provisioned: Int
    /// Messages arrived during the last tick, per second.
    public var arrivalRate: Double
}

/// A control path that decides the replica count. Called every tick; keeps its own timers.
public protocol ScalingPolicy: Sendable {
    /// The policy's name in tables and charts.
    var name: String { get }
    /// The replica count the control path wants now (it may keep the current one).
    mutating func replicas(for observation: ScalingObservation) -> Int
    /// HPA scale-downs that undid a direct scale-up at the first sync after it (a fight between the
    /// HPA and the actuator); 0 for policies without direct scale-up.
    var reverts: Int { get }
    /// The planner's latest explanation (value reported, planned replicas, burst rate), for policies
    /// that run the planner; `nil` otherwise.
    var explanation: (value: Double, planned: Int, burstRate: Double)? { get }
}

extension ScalingPolicy {
    public var reverts: Int { 0 }
    public var explanation: (value: Double, planned: Int, burstRate: Double)? { nil }
}
