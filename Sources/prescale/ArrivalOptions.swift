import ArgumentParser
import Foundation
import PrescaleSimulator

/// The arrivals `simulate`, `tune` and `demo` replay: a trace file or a synthetic scenario.
struct ArrivalOptions: ParsableArguments {
    @Option(
        help:
            "A trace: TIMESTAMP,… per request, period,count per minute, second,count per second, or the Azure Functions 2019 per-minute format."
    )
    var trace: String?
    @Option(help: "A synthetic scenario instead: \(SyntheticScenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: String?
    @Option(help: "Seconds to keep (a trace) or to generate (a scenario). Default: 3600, sparse 86400; demo: 180.")
    var seconds: Int?
    @Option(help: "Seconds of the trace to skip first.")
    var skip: Int = 0
    @Option(help: "Multiplier for arrival counts, > 0.")
    var scale: Double = 1
    @Option(help: "Azure Functions format: the data row to replay (1-based).")
    var row: Int = 1
    @Option(help: "Seed for Poisson arrivals.")
    var seed: UInt64 = 1
    @Option(help: "Per-request traces: the column holding each message's work, e.g. GeneratedTokens (not for demo).")
    var workColumn: String?

    /// Checks that exactly one of --trace and --scenario is given (`tune` also takes --recording).
    func requireOneSource() throws {
        guard (self.trace == nil) != (self.scenario == nil) else {
            throw ValidationError(
                "give exactly one of --trace FILE or --scenario \(SyntheticScenario.allCases.map(\.rawValue).joined(separator: "|"))")
        }
    }

    func validate() throws {
        if let scenario, SyntheticScenario(rawValue: scenario) == nil {
            throw ValidationError(
                "--scenario: \"\(scenario)\" is not allowed; allowed: \(SyntheticScenario.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if let seconds, !(1...31_536_000).contains(seconds) {
            throw ValidationError("--seconds: \(seconds) is not allowed; allowed: 1 to 31536000")
        }
        guard self.skip >= 0 else { throw ValidationError("--skip: \(self.skip) is not allowed; allowed: a whole number >= 0") }
        guard self.row >= 1 else { throw ValidationError("--row: \(self.row) is not allowed; allowed: 1 or more") }
        guard self.scale > 0, self.scale.isFinite else {
            throw ValidationError("--scale: \(self.scale) is not allowed; allowed: a number > 0")
        }
        if self.workColumn != nil && self.trace == nil {
            throw ValidationError("--work-column needs --trace with a per-request trace")
        }
    }

    /// Reads the trace or generates the scenario.
    func loadSeries() throws -> ArrivalSeries {
        if let scenarioName = self.scenario, let scenario = SyntheticScenario(rawValue: scenarioName) {
            var random = SimulationRandom(seed: self.seed)
            return scenario.series(seconds: self.seconds ?? scenario.defaultSeconds, scale: self.scale, random: &random)
        }
        let path = self.trace!
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--trace: cannot read \"\(path)\" as UTF-8 text")
        }
        var reader = TraceReader()
        reader.scale = self.scale
        reader.skipSeconds = self.skip
        reader.limitSeconds = self.seconds ?? Int.max
        reader.row = self.row
        reader.seed = self.seed
        reader.workColumn = self.workColumn
        do {
            return try reader.read(text, name: (path as NSString).lastPathComponent)
        } catch {
            throw ValidationError("--trace: \(error)")
        }
    }
}
