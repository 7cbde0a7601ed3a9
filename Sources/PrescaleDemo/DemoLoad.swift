/// The arrivals the demo's producer replays: messages per simulated second, from a trace or one of the
/// simulator's scenarios (`prescale demo` reads them as `prescale simulate` does).
public struct DemoLoad: Sendable {
    /// Messages arriving in each second; the last second's count holds after the end.
    public var perSecond: [Double]

    /// A load of these per-second counts.
    public init(perSecond: [Double]) {
        self.perSecond = perSecond
    }

    /// The rate at simulated second `t`.
    public func rate(at t: Double) -> Double {
        guard !self.perSecond.isEmpty else { return 0 }
        return self.perSecond[min(max(Int(t), 0), self.perSecond.count - 1)]
    }
}
