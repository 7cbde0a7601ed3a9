import ArgumentParser
import Foundation
import PrescaleDemo
import PrescaleSimulator

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

    @Option(help: "Simulated seconds to run (1 to 86400).")
    var seconds: Int = 60

    @Option(help: "Simulated seconds per wall-clock second (0.1 to 50).")
    var speed: Double = 1

    @Option(help: "Built-in load: burst, step or spike. Ignored with --trace.")
    var scenario: String = "burst"

    @Option(help: "A trace to replay instead: TIMESTAMP,… (per request), period,count (per minute), second,count, or Azure Functions 2019 per-minute rows.")
    var trace: String?

    @Option(help: "Multiplier for trace counts (e.g. 0.01), > 0.")
    var scale: Double = 1

    @Option(help: "Simulated seconds between control-loop syncs (the HPA's sync period), 1 to 300.")
    var syncSeconds: Double = 15

    @Option(help: "Messages one consumer replica handles per second, > 0.")
    var ratePerReplica: Double = 25

    @Option(help: "Where to write the SVG chart.")
    var out: String = "prescale-demo.svg"

    @Flag(help: "Direct actuation: the trigger has actuate: \"true\", and Prescale's actuator raises the pool at every sample besides the control loop.")
    var direct = false

    @Flag(help: "Run twice on the same load, through the control loop only and with direct actuation, and compare.")
    var compare = false

    func validate() throws {
        guard !(self.direct && self.compare) else { throw ValidationError("--direct and --compare: use one; --compare already runs both") }
        guard (1...86_400).contains(self.seconds) else { throw ValidationError("--seconds: \(self.seconds) is not allowed; allowed: 1 to 86400") }
        guard (0.1...50).contains(self.speed) else { throw ValidationError("--speed: \(self.speed) is not allowed; allowed: 0.1 to 50") }
        guard self.trace != nil || DemoLoad.scenarioNames.contains(self.scenario) else {
            throw ValidationError("--scenario: \"\(self.scenario)\" is not allowed; allowed: \(DemoLoad.scenarioNames.joined(separator: ", "))")
        }
        guard self.scale > 0, self.scale.isFinite else { throw ValidationError("--scale: \(self.scale) is not allowed; allowed: a number > 0") }
        guard (1...300).contains(self.syncSeconds) else { throw ValidationError("--sync-seconds: \(self.syncSeconds) is not allowed; allowed: 1 to 300") }
        guard self.ratePerReplica > 0, self.ratePerReplica.isFinite else {
            throw ValidationError("--rate-per-replica: \(self.ratePerReplica) is not allowed; allowed: a number > 0")
        }
    }

    static func printSummary(_ result: DemoResult) {
        let rows = result.rows
        let maxLag = rows.map(\.lag).max() ?? 0
        let meanLag = rows.isEmpty ? 0 : Double(rows.map(\.lag).reduce(0, +)) / Double(rows.count)
        let replicaSeconds = rows.map(\.ready).reduce(0, +)
        print(
            "summary: max lag \(maxLag), mean lag \(String(format: "%.1f", meanLag)), replica-seconds \(replicaSeconds), "
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
        if let path = self.trace {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                Serve.fail("--trace: cannot read \(path): \(error.localizedDescription)")
            }
            do {
                // The simulator's reader: every trace format, per-minute counts as seeded Poisson arrivals.
                var reader = TraceReader()
                reader.scale = self.scale
                reader.limitSeconds = self.seconds
                configuration.load = .trace(try reader.read(text, name: (path as NSString).lastPathComponent).perSecond)
            } catch {
                Serve.fail("--trace \(path): \(error)")
            }
        } else {
            configuration.load = switch self.scenario {
            case "step": .step
            case "spike": .spike
            default: .burst
            }
        }
        var results: [(String, DemoResult)] = []
        for direct in self.compare ? [false, true] : [self.direct] {
            configuration.actuation = direct
            let path = direct ? "direct actuation at every sample + control loop" : "control loop every \(self.syncSeconds) s"
            print("prescale demo: \(self.seconds) s of \(self.trace ?? self.scenario) at \(self.speed)x; \(path)")
            print("   t  arrivals/s      lag  desired  ready")
            let result = try await DemoRun(configuration: configuration).run { row in
                print(String(format: "%4d  %10.1f  %7d  %7d  %5d", row.second, row.arrivalRate, row.lag, row.desired, row.ready))
            }
            results.append((direct ? "prescale-direct" : "prescale", result))
            Self.printSummary(result)
        }
        if results.count > 1 {
            print("comparison on the same load:")
            print("policy           time to capacity  wait p50  wait p99  max lag  replica-s")
            for (name, result) in results {
                print(
                    name.padding(toLength: 16, withPad: " ", startingAt: 0)
                        + String(format: " %15d s  %6.2f s  %6.2f s  %7d  %9d", result.timeToCapacity, result.waitQuantile(0.5),
                                 result.waitQuantile(0.99), result.rows.map(\.lag).max() ?? 0, result.rows.map(\.ready).reduce(0, +))
                )
            }
        }
        let rows = results.last?.1.rows ?? []
        do {
            try DemoChart.svg(rows, title: "prescale demo: \(self.trace ?? self.scenario)").write(toFile: self.out, atomically: true, encoding: .utf8)
            print("chart: \(self.out)")
        } catch {
            Serve.fail("--out: cannot write \(self.out): \(error.localizedDescription)")
        }
    }
}
