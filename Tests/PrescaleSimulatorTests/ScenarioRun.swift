import PrescaleCore

@testable import PrescaleSimulator

/// One policy over a synthetic scenario (seed 1, scale 1) with the default prediction settings, its
/// waits counted from `warmUpSeconds` on: what the ablation suites compare with a setting on and off.
func runScenario(
    _ scenario: SyntheticScenario, seconds: Int, policy: PolicyName, model: ConsumerModel, settings: ControlPathSettings,
    warmUpSeconds: Double = 0
) -> SimulationResult {
    var random = SimulationRandom(seed: 1)
    let series = scenario.series(seconds: seconds, scale: 1, random: &random)
    let roster = PolicyRoster(settings: settings, model: model, prediction: PredictionSpec(enabled: true))
    var simulation = Simulation(model: model)
    simulation.warmUpSeconds = warmUpSeconds
    return roster.run(policy, series: series, simulation: simulation)
}
