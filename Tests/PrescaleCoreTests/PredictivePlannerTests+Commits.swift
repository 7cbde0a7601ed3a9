import PrescaleCore
import Testing

/// How the planner treats messages consumed and not yet committed (a group that commits every few seconds).
@Suite("Predictive planner with periodic commits")
struct PredictivePlannerCommitTests {
    /// A steady 20 messages a second read as lag 100, of which `uncommitted` are consumed and not yet
    /// committed, ten replicas ready (so that the default scale-up bound, 20 replicas, is not what decides),
    /// no capacity known.
    static func decide(uncommitted: Double?) -> [PlannerDecision] {
        var planner = PredictivePlanner(target: 10, activationThreshold: 0, prediction: PredictionSpec())
        return (0..<10).map { second in
            planner.decide(
                MetricSample(
                    time: Double(second), reactiveValue: 100, backlog: 100, arrived: Double(20 * second),
                    consumed: Double(20 * second) - 100,
                    uncommitted: uncommitted, replicas: 10))
        }
    }

    @Test("without a capacity the floor is KEDA's value for the messages that wait; the reported reactive value is still KEDA's own")
    func floorOnWaiting() {
        let with = Self.decide(uncommitted: 60)
        let without = Self.decide(uncommitted: nil)
        #expect(with.allSatisfy { $0.reactiveValue == 100 })
        #expect(with[0].value == 40, "\(with[0].value)")
        #expect(without[0].value == 100, "\(without[0].value)")
        #expect(zip(with, without).allSatisfy { $0.value <= $1.value })
    }

    @Test("with no replica ready nothing is being consumed: the whole lag waits")
    func noReplica() {
        for (replicas, expected) in [(0, 100.0), (2, 40.0)] {
            var planner = PredictivePlanner(target: 100, activationThreshold: 0, prediction: PredictionSpec())
            let decision = planner.decide(
                MetricSample(time: 0, reactiveValue: 100, backlog: 100, arrived: 100, consumed: 0, uncommitted: 60, replicas: replicas))
            #expect(decision.value == expected, "\(replicas) replicas: \(decision.value)")
        }
    }
}

extension PredictivePlannerCommitTests {
    @Test("every decision is at or above its floor, which counts the uncommitted messages out")
    func floorHolds() {
        for decision in Self.decide(uncommitted: 60) {
            #expect(decision.value >= decision.valueFloor, "\(decision.value) < \(decision.valueFloor)")
            #expect(decision.valueFloor <= 40)
            #expect(decision.prediction?.uncommitted == 60)
        }
    }
}
