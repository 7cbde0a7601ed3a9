import PrescaleCore
import Testing

@testable import PrescaleSimulator

/// What Prescale lowering the replicas itself would be worth with direct scale-up
/// (``PredictionSpec/lowersReplicas``, `simulate --direct-scale-down`), against the shipped direct path
/// whose scale-down the HPA makes: cheaper where changing the replicas costs the consumer group nothing,
/// and the shipped run where every change pauses the group.
@Suite("Direct scale-down")
struct DirectScaleDownTests {
    /// `prescale-direct` on six hours of sparse functions (2 msg/s per replica, `lagThreshold` 10), cold
    /// start 1 s, every consumer pausing `pause` seconds whenever the group changes.
    static func run(pause: Double, lowering: Bool) -> SimulationResult {
        var model = ConsumerModel()
        model.coldStartSeconds = 1
        model.ratePerReplica = 2
        model.rebalancePauseSeconds = pause
        var settings = ControlPathSettings()
        settings.target = 10
        settings.directScaleDown = lowering
        return runScenario(.sparse, seconds: 21_600, policy: .prescaleDirect, model: model, settings: settings)
    }

    @Test("no rebalance pause: lowering the replicas itself costs less at the same p99, and the HPA never undoes a change")
    func cheaperWithoutPauses() {
        let lowering = Self.run(pause: 0, lowering: true)
        let shipped = Self.run(pause: 0, lowering: false)
        #expect(lowering.replicaSeconds < 0.8 * shipped.replicaSeconds, "\(lowering.replicaSeconds) vs \(shipped.replicaSeconds)")
        #expect(lowering.waitP99 <= shipped.waitP99, "\(lowering.waitP99) vs \(shipped.waitP99)")
        #expect(lowering.reverts == 0)
    }

    @Test("3 s rebalance pauses: the group is seen to pause after each change, so the run is the shipped one")
    func shippedWithPauses() {
        let lowering = Self.run(pause: 3, lowering: true)
        let shipped = Self.run(pause: 3, lowering: false)
        #expect(lowering.replicas == shipped.replicas)
        #expect(lowering.replicaSeconds == shipped.replicaSeconds && lowering.waitP99 == shipped.waitP99)
    }
}
