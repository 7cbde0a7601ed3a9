import PrescaleCore
import Testing

@testable import PrescaleSimulator

/// Records the lag and backlog the policy is shown at every tick, with a fixed replica count.
private struct LagRecorder: ScalingPolicy {
    let name = "recorder"
    let count: Int
    var seen: [(time: Double, lag: Double, backlog: Double, committed: Double, consumed: Double)] = []

    mutating func replicas(for observation: ScalingObservation) -> Int {
        self.seen.append((observation.time, observation.lag, observation.backlog, observation.committed, observation.consumed))
        return self.count
    }
}

@Suite("Offset commits")
struct CommitIntervalTests {
    /// 10 messages per second for 30 s, two replicas at 25 per second: the consumers keep up, so the
    /// backlog stays under a tick's arrivals.
    static func run(commitInterval: Double) -> [(time: Double, lag: Double, backlog: Double, committed: Double, consumed: Double)] {
        var model = ConsumerModel()
        model.coldStartSeconds = 0
        model.commitIntervalSeconds = commitInterval
        var policy = LagRecorder(count: 2)
        _ = Simulation(model: model).run(ArrivalSeries(perSecond: Array(repeating: 10, count: 30), name: "steady"), policy: &policy)
        return policy.seen
    }

    @Test("committed as consumed (the default), the lag a scaler reads is exactly the backlog")
    func commitOnConsume() {
        let seen = Self.run(commitInterval: 0)
        #expect(seen.allSatisfy { $0.lag == $0.backlog && $0.committed == $0.consumed })
    }

    @Test("committed every 5 s, messages consumed since the last commit count as lag, until the next commit")
    func commitEveryFiveSeconds() throws {
        let seen = Self.run(commitInterval: 5)
        // Right after each commit the lag is the backlog again; just before it, about 5 s of consumption.
        for commit in stride(from: 7.5, to: 30, by: 5) {  // the first is half an interval in (2.5 s)
            let at = try #require(seen.first { abs($0.time - commit) < 1e-6 })
            #expect(abs(at.lag - at.backlog) < 1e-9)
            let before = try #require(seen.last { $0.time < commit - 0.05 && $0.time > commit - 0.15 })
            #expect(before.lag > 45 && before.lag < 55, "lag \(before.lag) at \(before.time)")
        }
        // Never below the backlog, never above it by more than an interval's consumption.
        #expect(seen.allSatisfy { $0.lag >= $0.backlog - 1e-9 && $0.lag <= $0.backlog + 5 * 10 + 1e-6 })
        #expect(seen.allSatisfy { $0.committed <= $0.consumed + 1e-9 })
    }
}

/// What the planner's commit-cadence estimate is worth, and that it changes nothing without periodic commits.
@Suite("Commit cadence in the planner")
struct CommitCadenceAblationTests {
    /// `on-off` (60 s at 50/s every 180 s) for half an hour, 25 msg/s consumers, through the HPA.
    static func run(commitInterval: Double, cadence: Bool) -> SimulationResult {
        var model = ConsumerModel()
        model.ratePerReplica = 25
        model.coldStartSeconds = 1
        model.commitIntervalSeconds = commitInterval
        var settings = ControlPathSettings()
        settings.commitCadence = cadence
        return runScenario(.onOff, seconds: 1_800, policy: .prescale, model: model, settings: settings, warmUpSeconds: 170)
    }

    @Test("commits every 5 s: planning on the lag less the uncommitted estimate costs under 0.6× the raw lag's, p99 no worse")
    func periodicCommits() {
        let with = Self.run(commitInterval: 5, cadence: true)
        let without = Self.run(commitInterval: 5, cadence: false)
        #expect(with.replicaSeconds < 0.6 * without.replicaSeconds, "\(with.replicaSeconds) vs \(without.replicaSeconds)")
        #expect(with.waitP99 <= without.waitP99 + 0.1, "\(with.waitP99) vs \(without.waitP99)")
    }

    @Test("commits as consumed: the estimate is 0, so the run is the same with and without it")
    func commitAsConsumed() {
        let with = Self.run(commitInterval: 0, cadence: true)
        let without = Self.run(commitInterval: 0, cadence: false)
        #expect(with.replicas == without.replicas)
        #expect(with.replicaSeconds == without.replicaSeconds && with.waitP99 == without.waitP99)
    }
}
