/// The arrival rate the demo's producer replays, in messages per simulated second.
public enum DemoLoad: Sendable {
    /// 20/s, then 200/s between 20 % and 50 % of the run, then 20/s again.
    case burst
    /// 20/s for the first third, then 120/s.
    case step
    /// 10/s with a 400/s spike lasting 5 % of the run at its middle.
    case spike
    /// Per-second counts read from a trace file.
    case trace([Double])

    /// The built-in scenario names.
    public static let scenarioNames = ["burst", "step", "spike"]

    /// The rate at simulated second `t` of a run lasting `duration` seconds.
    public func rate(at t: Double, duration: Double) -> Double {
        let share = t / max(duration, 1)
        switch self {
        case .burst: return (0.2..<0.5).contains(share) ? 200 : 20
        case .step: return share < 1.0 / 3 ? 20 : 120
        case .spike: return (0.475..<0.525).contains(share) ? 400 : 10
        case .trace(let counts):
            guard !counts.isEmpty else { return 0 }
            return counts[min(Int(t), counts.count - 1)]
        }
    }
}
