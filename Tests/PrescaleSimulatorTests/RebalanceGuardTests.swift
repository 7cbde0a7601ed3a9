import PrescaleCore
import Testing

@testable import PrescaleSimulator

/// What allowing for a consumer group's rebalance pause is worth (``PredictionSpec/followsRebalances``),
/// and that it changes nothing where the group never pauses.
@Suite("Rebalance pauses in the planner")
struct RebalanceGuardTests {
    /// The `step` scenario for 10 minutes, cold start 1 s, every consumer pausing `pause` seconds
    /// whenever the group changes.
    static func run(_ policy: PolicyName, pause: Double, guarded: Bool) -> SimulationResult {
        var model = ConsumerModel()
        model.coldStartSeconds = 1
        model.rebalancePauseSeconds = pause
        var settings = ControlPathSettings()
        settings.rebalanceGuard = guarded
        return runScenario(.step, seconds: 600, policy: policy, model: model, settings: settings)
    }

    @Test(
        "3 s rebalance pauses: allowing for them costs under a third of what ignoring them costs, through the HPA and with direct scale-up",
        arguments: [PolicyName.prescale, .prescaleDirect])
    func pausesCostLess(policy: PolicyName) {
        let guarded = Self.run(policy, pause: 3, guarded: true)
        let ignoring = Self.run(policy, pause: 3, guarded: false)
        #expect(guarded.replicaSeconds < ignoring.replicaSeconds / 3, "\(guarded.replicaSeconds) vs \(ignoring.replicaSeconds)")
        #expect(guarded.coldStarts < ignoring.coldStarts, "\(guarded.coldStarts) vs \(ignoring.coldStarts)")
    }

    @Test("no rebalance pause: the runs are the same with and without allowing for one", arguments: [PolicyName.prescale, .prescaleDirect])
    func noPauseNoChange(policy: PolicyName) {
        let guarded = Self.run(policy, pause: 0, guarded: true)
        let ignoring = Self.run(policy, pause: 0, guarded: false)
        #expect(guarded.replicas == ignoring.replicas)
        #expect(guarded.replicaSeconds == ignoring.replicaSeconds && guarded.waitP99 == ignoring.waitP99)
    }
}
