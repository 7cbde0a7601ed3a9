import PrescaleCore
import Testing

@testable import PrescaleSimulator

@Suite("Recurring bursts")
struct RecurringBurstTests {
    static let coldStart = 1.0

    /// `on-off` (60 s at 50/s every 180 s) for half an hour, 25 msg/s consumers, the planner with the
    /// default metadata (capacity learned, not given).
    static func run(_ policy: PolicyName, predict: Bool) -> SimulationResult {
        var model = ConsumerModel()
        model.ratePerReplica = 25
        model.coldStartSeconds = Self.coldStart
        var random = SimulationRandom(seed: 1)
        let series = SyntheticScenario.onOff.series(seconds: 1_800, scale: 1, random: &random)
        let roster = PolicyRoster(settings: ControlPathSettings(), model: model, prediction: PredictionSpec(enabled: predict))
        var simulation = Simulation(model: model)
        // The second and later bursts: the first one teaches the capacity and the burst's size.
        simulation.warmUpSeconds = 170
        return roster.run(policy, series: series, simulation: simulation)
    }

    @Test("through the HPA, later bursts wait at most a cold start + 2 s, better than predict: false at no more cost")
    func hpaPath() {
        let predicted = Self.run(.prescale, predict: true)
        let reactive = Self.run(.prescale, predict: false)
        #expect(predicted.waitP99 <= Self.coldStart + 2, "\(predicted.waitP99)")
        #expect(predicted.waitP99 < reactive.waitP99, "\(predicted.waitP99) vs \(reactive.waitP99)")
        #expect(predicted.replicaSeconds <= 1.05 * reactive.replicaSeconds, "\(predicted.replicaSeconds) vs \(reactive.replicaSeconds)")
        #expect(predicted.reverts == 0)
    }

    @Test(
        "replicas are ready when each burst begins once the capacity and a silence are known (pre-warmed), not long before",
        arguments: [(PolicyName.prescale, 540), (.prescaleDirect, 720)])
    func readyAtOnset(policy: PolicyName, firstPrewarmed: Int) {
        let predicted = Self.run(policy, predict: true)
        let reactive = Self.run(policy, predict: false)
        // Bursts begin every 180 s; 50/s needs 2 replicas. The first two teach the capacity and a silence
        // through the HPA; with direct scale-up, bounded until the capacity is known, it takes a third.
        for onset in stride(from: firstPrewarmed, to: 1_800, by: 180) {
            #expect(predicted.replicas[onset - 1] >= 2, "\(policy) at \(onset): \(predicted.replicas[onset - 1])")
            #expect(reactive.replicas[onset - 1] == 0, "\(policy) predict: false at \(onset): \(reactive.replicas[onset - 1])")
            // Pre-warmed within the lead time (a sync and a cold start through the HPA), not the silence.
            #expect(predicted.replicas[onset - 40] == 0, "\(policy) at \(onset - 40): \(predicted.replicas[onset - 40])")
        }
        #expect(predicted.waitP99 <= Self.coldStart + 2, "\(policy): \(predicted.waitP99)")
        #expect(predicted.waitP99 <= reactive.waitP99, "\(policy): \(predicted.waitP99) vs \(reactive.waitP99)")
    }
}
