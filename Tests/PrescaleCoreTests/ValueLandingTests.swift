import Testing

@testable import PrescaleCore

@Suite("Value landing")
struct ValueLandingTests {
    /// What the HPA does with an `AverageValue` external metric: no change while value / (target ×
    /// current) is within the tolerance of 1, else ceil(value / target).
    static func hpa(value: Double, target: Double, current: Int) -> Int {
        let ratio = value / (target * Double(current))
        return abs(ratio - 1) <= HPABehavior.tolerance ? current : PlannerDecision.replicas(value: value, target: target)
    }

    @Test("without a current count, or at it, the value is replicas × target", arguments: [1.0, 7, 50])
    func plain(target: Double) {
        let planner = PredictivePlanner(target: target, activationThreshold: 0, prediction: PredictionSpec())
        #expect(planner.valueLanding(on: 5, current: nil) == 5 * target)
        #expect(planner.valueLanding(on: 5, current: 0) == 5 * target)
        #expect(planner.valueLanding(on: 5, current: 5) == 5 * target)
    }

    @Test("the HPA moves from every current count towards the planned one, across its tolerance", arguments: [1.0, 10, 333])
    func landsOutsideTheTolerance(target: Double) {
        let planner = PredictivePlanner(target: target, activationThreshold: 0, prediction: PredictionSpec())
        var nudged = 0
        for current in 1...60 {
            for replicas in 1...60 where replicas != current {
                let value = planner.valueLanding(on: replicas, current: current)
                let plain = Double(replicas) * target
                if value != plain { nudged += 1 }
                let landed = Self.hpa(value: value, target: target, current: current)
                if replicas > current {
                    // Up: the plan, or when the plan is within the tolerance, the fewest replicas the HPA
                    // can be moved to (the first count above current × 1.1).
                    let fewestAbove = Int((Double(current) * (1 + HPABehavior.tolerance)).rounded(.down)) + 1
                    #expect(
                        landed == max(replicas, fewestAbove),
                        "\(current) → \(replicas) replicas at target \(target): the HPA lands on \(landed)")
                } else if Self.hpa(value: plain, target: target, current: current) != current {
                    #expect(landed == replicas, "\(current) → \(replicas) replicas at target \(target): \(landed)")
                } else {
                    // Down within the tolerance: as far down as the nudge reaches without undershooting.
                    #expect(landed >= replicas && landed <= current, "\(current) → \(replicas) at target \(target): \(landed)")
                }
            }
        }
        // The tolerance is met: 10 → 11 (ratio 1.1) and its like are nudged.
        #expect(nudged > 20)
        #expect(Self.hpa(value: planner.valueLanding(on: 11, current: 10), target: target, current: 10) > 10)
    }
}
