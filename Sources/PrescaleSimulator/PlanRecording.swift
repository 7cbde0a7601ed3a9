import PrescaleCore

/// A `prescale plan` input recording turned back into arrivals per second, learning the per-replica
/// capacity on the way with the planner's own ``CapacityEstimator``.
public struct PlanRecording: Sendable {
    private var origin: Double?
    private var lastTime: Double?
    private var lastArrived: Double?
    private var perSecond: [Double] = []
    /// The capacity learned from the lines with `consumed`, `backlog` and `replicas`.
    public private(set) var capacity = CapacityEstimator(prior: nil)

    /// Creates an empty recording.
    public init() {}

    /// Adds one line; its arrivals since the previous line are spread evenly over the seconds between.
    public mutating func append(_ observation: PlanObservation, line: Int) throws(PlanInputError) {
        if let lastTime, observation.time <= lastTime {
            throw PlanInputError(line: line, message: "\"t\" is \(observation.time), not after the previous line's \(lastTime)")
        }
        if let consumed = observation.consumed, let replicas = observation.replicas {
            self.capacity.observe(time: observation.time, consumed: consumed, backlog: observation.backlog, replicas: replicas)
        }
        guard let arrived = observation.arrived else {
            throw PlanInputError(line: line, message: "\"arrived\" (cumulative arrivals) is required to replay a recording")
        }
        defer {
            self.lastTime = observation.time
            self.lastArrived = arrived
        }
        guard let origin, let lastTime, let lastArrived else {
            self.origin = observation.time
            return
        }
        guard observation.time - origin <= 31_536_000 else {
            throw PlanInputError(line: line, message: "\"t\" is more than a year after the first line")
        }
        let count = max(arrived - lastArrived, 0)
        let from = lastTime - origin
        let to = observation.time - origin
        // Spread evenly over [from, to), second by second.
        var start = from
        while start < to {
            let second = Int(start.rounded(.down))
            let end = min(Double(second + 1), to)
            while self.perSecond.count <= second { self.perSecond.append(0) }
            self.perSecond[second] += count * (end - start) / (to - from)
            start = end
        }
    }

    /// The arrivals per second, or `nil` with fewer than two lines.
    public func series(name: String) -> ArrivalSeries? {
        self.perSecond.isEmpty ? nil : ArrivalSeries(perSecond: self.perSecond, name: name)
    }
}
