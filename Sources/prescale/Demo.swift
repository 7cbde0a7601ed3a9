import ArgumentParser
import Foundation
import PrescaleCore
import PrescaleDemo
import PrescaleSimulator
import Synchronization

/// `prescale demo`: the whole scaling loop on one machine, with nothing installed beyond the package.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole loop in one process: mock Kafka, a bursty producer, the real gRPC scaler and a KEDA-like control loop.",
        discussion: """
            An in-process librdkafka mock cluster holds topic "orders"; a producer replays the load; the \
            ExternalScaler gRPC server reads the consumer group's lag; a control loop calls it over \
            loopback like KEDA and the HPA (GetMetrics, IsActive every --sync-seconds) and sizes a pool \
            of simulated consumers. One line per simulated second, then a summary and an SVG chart.
            """
    )

    @Option(help: "Simulated seconds per wall-clock second (0.1 to 50).")
    var speed: Double = 1

    /// The load, read as `prescale simulate` reads it; without --trace or --scenario, the `burst` scenario.
    /// `--seconds` is the run's length (default ``defaultSeconds``, at most a day).
    @OptionGroup(title: "Load")
    var arrivals: ArrivalOptions

    @Option(help: "Simulated seconds between control-loop syncs (the HPA's sync period), 1 to 300.")
    var syncSeconds = PredictionSpec.defaultHPASyncSeconds

    @Option(help: "Messages one consumer replica handles per second, > 0.")
    var ratePerReplica: Double = 25

    @Option(help: "Where to write the SVG chart.")
    var out: String = "prescale-demo.svg"

    @Option(
        help:
            "The control paths to run side by side on the same load: keda (KEDA's own kafka value, predict: \"false\"), prescale (prediction through the same control loop), prescale-direct (prediction plus direct actuation at every sample)."
    )
    var policies: String = "keda,prescale"

    @Flag(
        help:
            "Shorthand for --policies prescale-direct: the trigger has actuate: \"true\", and Prescale's actuator raises the pool at every sample besides the control loop."
    )
    var direct = false

    @Flag(help: "Shorthand for --policies prescale,prescale-direct: the control loop only, and with direct actuation.")
    var compare = false

    static let policyNames = ["keda", "prescale", "prescale-direct"]
    /// Simulated seconds a demo runs when --seconds is not given.
    static let defaultSeconds = 180
    /// The longest demo, simulated seconds: it runs in real time divided by --speed.
    static let longestSeconds = 86_400

    /// The run's length in simulated seconds.
    var seconds: Int { self.arrivals.seconds ?? Self.defaultSeconds }
    /// What the load is called in the output.
    var loadName: String { self.arrivals.trace ?? self.arrivals.scenario ?? SyntheticScenario.burst.rawValue }

    /// The runs chosen by --policies, --direct or --compare.
    func runs() throws -> [String] {
        if self.direct { return ["prescale-direct"] }
        if self.compare { return ["prescale", "prescale-direct"] }
        let names = self.policies.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for name in names where !Self.policyNames.contains(name) {
            throw ValidationError("--policies: \"\(name)\" is not allowed; allowed: \(Self.policyNames.joined(separator: ", "))")
        }
        guard !names.isEmpty, Set(names).count == names.count else {
            throw ValidationError(
                "--policies: \"\(self.policies)\" is not allowed; allowed: one or more of \(Self.policyNames.joined(separator: ", ")), each once"
            )
        }
        return names
    }

    func validate() throws {
        guard !(self.direct && self.compare) else { throw ValidationError("--direct and --compare: use one; --compare already runs both") }
        _ = try self.runs()
        guard self.seconds <= Self.longestSeconds else {
            throw ValidationError("--seconds: \(self.seconds) is not allowed for a demo; allowed: 1 to \(Self.longestSeconds)")
        }
        guard self.arrivals.trace == nil || self.arrivals.scenario == nil else {
            throw ValidationError("give at most one of --trace FILE or --scenario NAME")
        }
        guard self.arrivals.workColumn == nil else {
            throw ValidationError("--work-column: not allowed for a demo (its consumers handle messages, not work units)")
        }
        guard (0.1...50).contains(self.speed) else { throw ValidationError("--speed: \(self.speed) is not allowed; allowed: 0.1 to 50") }
        guard (1...300).contains(self.syncSeconds) else {
            throw ValidationError("--sync-seconds: \(self.syncSeconds) is not allowed; allowed: 1 to 300")
        }
        guard self.ratePerReplica > 0, self.ratePerReplica.isFinite else {
            throw ValidationError("--rate-per-replica: \(self.ratePerReplica) is not allowed; allowed: a number > 0")
        }
    }

    static func printSummary(_ name: String, _ result: DemoResult) {
        let rows = result.rows
        let maxLag = rows.map(\.lag).max() ?? 0
        let meanLag = rows.isEmpty ? 0 : Double(rows.map(\.lag).reduce(0, +)) / Double(rows.count)
        let replicaSeconds = rows.map(\.ready).reduce(0, +)
        print(
            "summary \(name): max lag \(maxLag), mean lag \(String(format: "%.1f", meanLag)), replica-seconds \(replicaSeconds), "
                + "peak replicas \(rows.map(\.ready).max() ?? 0), time to capacity \(result.timeToCapacity) s, "
                + "wait p50 \(String(format: "%.2f", result.waitQuantile(0.5))) s, p99 \(String(format: "%.2f", result.waitQuantile(0.99))) s"
        )
    }

    func run() async throws {
        var configuration = DemoRun.Configuration()
        configuration.seconds = self.seconds
        configuration.speed = self.speed
        configuration.syncSeconds = self.syncSeconds
        configuration.messagesPerReplicaPerSecond = self.ratePerReplica
        var load = self.arrivals
        if load.trace == nil && load.scenario == nil { load.scenario = SyntheticScenario.burst.rawValue }
        load.seconds = self.seconds
        do {
            configuration.load = DemoLoad(perSecond: try load.loadSeries().perSecond)
        } catch {
            Serve.fail("\(error)")
        }
        let names = try self.runs()
        let printer = DemoRowPrinter(names: names)
        print(
            "prescale demo: \(self.seconds) s of \(self.loadName) at \(self.speed)x; control loop every \(self.syncSeconds) s; "
                + names.map { "\($0)\($0 == "prescale-direct" ? " (direct actuation at every sample + control loop)" : "")" }.joined(
                    separator: " vs "))
        print(printer.header)
        let results = try await withThrowingTaskGroup(of: (Int, DemoResult).self) { group in
            for (index, name) in names.enumerated() {
                var run = configuration
                run.predict = name != "keda"
                run.actuation = name == "prescale-direct"
                run.behavior = name == "keda" ? .kubernetesDefault : .prescale
                group.addTask {
                    (index, try await DemoRun(configuration: run).run { row in printer.add(row, run: index) })
                }
            }
            var results: [(String, DemoResult)?] = Array(repeating: nil, count: names.count)
            for try await (index, result) in group { results[index] = (names[index], result) }
            return results.compactMap { $0 }
        }
        for (name, result) in results { Self.printSummary(name, result) }
        if results.count > 1 {
            print("comparison on the same load:")
            print("policy           time to capacity  wait p50  wait p99  max lag  replica-s")
            for (name, result) in results {
                print(
                    name.padding(toLength: 16, withPad: " ", startingAt: 0)
                        + String(
                            format: " %15d s  %6.2f s  %6.2f s  %7d  %9d", result.timeToCapacity, result.waitQuantile(0.5),
                            result.waitQuantile(0.99), result.rows.map(\.lag).max() ?? 0, result.rows.map(\.ready).reduce(0, +))
                )
            }
        }
        do {
            try SimulationChart.svg(
                arrivals: results.first?.1.rows.map(\.arrivalRate) ?? [],
                runs: results.map { (name: $0.0, backlog: $0.1.rows.map { Double($0.lag) }, replicas: $0.1.rows.map { Double($0.ready) }) },
                title: "prescale demo: \(self.loadName), \(names.joined(separator: " vs "))"
            ).write(toFile: self.out, atomically: true, encoding: .utf8)
            print("chart: \(self.out)")
        } catch {
            Serve.fail("--out: cannot write \(self.out): \(error.localizedDescription)")
        }
    }
}

/// Prints the runs' seconds side by side, each line once every run has reported that second.
final class DemoRowPrinter: Sendable {
    let names: [String]
    private let state = Mutex<(rows: [Int: [Int: DemoRow]], next: Int)>(([:], 0))

    init(names: [String]) {
        self.names = names
    }

    var header: String {
        if self.names.count == 1 { return "   t  arrivals/s      lag  desired  ready" }
        return "   t  arrivals/s" + self.names.map { " | \($0): lag desired ready" }.joined()
    }

    func add(_ row: DemoRow, run: Int) {
        let lines = self.state.withLock { state -> [String] in
            state.rows[row.second, default: [:]][run] = row
            var lines: [String] = []
            while let complete = state.rows[state.next], complete.count == self.names.count {
                let rows = (0..<self.names.count).map { complete[$0]! }
                var line = String(format: "%4d  %10.1f", rows[0].second, rows[0].arrivalRate)
                for row in rows {
                    line +=
                        self.names.count == 1
                        ? String(format: "  %7d  %7d  %5d", row.lag, row.desired, row.ready)
                        : String(format: " | %7d %7d %5d", row.lag, row.desired, row.ready)
                }
                lines.append(line)
                state.rows.removeValue(forKey: state.next)
                state.next += 1
            }
            return lines
        }
        for line in lines { print(line) }
    }
}
