/// Paces the learned floor of a direct scale-up (`actuate: "true"`): once it has asked for replicas to
/// drain a backlog, it asks for no more until they consume, or for a lead time (a sample and
/// `coldStartSeconds`) at most.
///
/// A Kafka consumer group stops consuming whenever its members change, until it has rebalanced. Were
/// the floor raised at every sample, the backlog that grows while the group is paused would ask for
/// more replicas at each sample, and each new replica would restart the pause: the replicas would climb
/// to the maximum while nothing is consumed (measured in `simulate --rebalance-pause`,
/// docs/simulation.md). The ready replicas consume once the last interval consumed at least
/// ``CapacityEstimator/pausedShare`` of what they can (anything at all while no capacity is known), the
/// same test the estimator uses for a pause. The rate the plan serves is not paced: only the backlog's
/// drain is.
public struct FloorPacing: Sendable, Hashable {
    private var asked = 0
    private var askedAt = -Double.infinity

    /// Creates a pacing with nothing asked for.
    public init() {}

    /// The floor, in replicas, to ask for at `time`: `floor`, or no more than was asked within the last
    /// `lead` seconds while those replicas do not consume yet (`current` ready replicas consumed
    /// `consumption` messages per second over the last interval, `capacity` each at most). A floor above
    /// the ready replicas is remembered as asked for.
    public mutating func pace(
        _ floor: Int, current: Int?, consumption: Double?, capacity: Double?, time: Double, lead: Double
    ) -> Int {
        let ready = current ?? 0
        let consumed = consumption ?? 0
        // Without a capacity, any consumption at all: a paused group consumes nothing.
        let consuming = ready == 0 || capacity.map { consumed >= CapacityEstimator.pausedShare * Double(ready) * $0 } ?? (consumed > 0)
        if time - self.askedAt < lead && !consuming { return min(floor, self.asked) }
        if floor > ready {
            self.asked = floor
            self.askedAt = time
        }
        return floor
    }
}
