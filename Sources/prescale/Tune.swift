import ArgumentParser
import Foundation
import PrescaleCore
import PrescaleSimulator

/// `prescale tune`: search the ScaledObject's knobs against a load test's arrivals for the cheapest
/// configuration that meets a p99-wait SLO, beside KEDA's reactive scaler tuned the same way.
struct Tune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the cheapest ScaledObject configuration that meets a p99-wait SLO on a load test's arrivals.",
        discussion: """
            Replays the arrivals (a trace, a scenario, or a `prescale plan` recording with --recording) \
            through every candidate configuration: lagThreshold, the HPA behaviour (scale-up policy, \
            scale-down stabilisation), and for Prescale predictQuantile and drainSeconds, for KEDA's \
            reactive kafka scaler its pollingInterval. Prints both cost/p99 frontiers and writes the \
            cheapest Prescale configuration that meets --slo as a ScaledObject fragment (--out). \
            Deterministic for a given --seed.
            """
    )

    @OptionGroup(title: "Arrivals")
    var arrivals: ArrivalOptions
    @Option(
        help:
            "A `prescale plan` input recording (JSON lines with t, arrived, and for a learned capacity consumed, backlog and replicas) instead of --trace/--scenario."
    )
    var recording: String?
    @Option(help: "Messages one replica consumes per second, > 0. Default: learned from --recording.")
    var ratePerReplica: Double?
    @OptionGroup(title: "Consumers")
    var consumers: ConsumerOptions
    @Option(help: "The control path: hpa (Prescale's value through KEDA and the HPA) or direct (actuate: \"true\").")
    var path: String = "hpa"
    @Option(help: "Write the chosen ScaledObject fragment (YAML) to this file.")
    var out: String?

    func validate() throws {
        if self.recording != nil {
            guard self.arrivals.trace == nil, self.arrivals.scenario == nil else {
                throw ValidationError("give one of --recording, --trace or --scenario")
            }
        } else {
            try self.arrivals.requireOneSource()
        }
        if self.arrivals.workColumn != nil { throw ValidationError("--work-column is not supported by tune; allowed: uniform messages") }
        if let rate = self.ratePerReplica, !(rate > 0 && rate.isFinite) {
            throw ValidationError("--rate-per-replica: \(rate) is not allowed; allowed: a number > 0")
        }
        if self.recording == nil && self.ratePerReplica == nil {
            throw ValidationError("--rate-per-replica is required with --trace or --scenario (only a --recording can teach it)")
        }
        guard ["hpa", "direct"].contains(self.path) else {
            throw ValidationError("--path: \"\(self.path)\" is not allowed; allowed: hpa, direct")
        }
    }

    func run() async throws {
        let (series, learned) = try self.loadArrivals()
        guard let rate = self.ratePerReplica ?? learned else {
            throw ValidationError(
                "--recording: no saturated stretch (backlog with consumed and replicas) to learn the capacity from; give --rate-per-replica"
            )
        }
        if self.ratePerReplica == nil {
            print(
                "capacity learned from the recording: \(TuningReport.number((rate * 100).rounded() / 100)) messages per replica per second")
        }
        var model = ConsumerModel()
        model.ratePerReplica = rate
        self.consumers.apply(to: &model)
        let prediction = PredictionSpec(coldStartSeconds: self.consumers.coldStart)
        let tuner = Tuner(model: model, settings: ControlPathSettings(), prediction: prediction, direct: self.path == "direct")
        let candidates = tuner.candidates(predictive: true) + tuner.candidates(predictive: false)
        let progress = Progress(total: candidates.count, label: "\(series.name), \(series.perSecond.count) s", unit: "configurations")
        let started = ContinuousClock.now
        let points = await withTaskGroup(of: (Int, TuningPoint).self) { group in
            var points: [TuningPoint?] = Array(repeating: nil, count: candidates.count)
            var next = 0
            // Two at a time: one per core, so memory stays flat whatever the grid size.
            for _ in 0..<min(2, candidates.count) {
                let index = next
                group.addTask {
                    (
                        index,
                        tuner.evaluate(candidates[index], series: series, slo: self.consumers.slo, warmUpSeconds: self.consumers.warmUp)
                    )
                }
                next += 1
            }
            for await (index, point) in group {
                points[index] = point
                progress.step()
                if next < candidates.count {
                    let index = next
                    group.addTask {
                        (
                            index,
                            tuner.evaluate(candidates[index], series: series, slo: self.consumers.slo, warmUpSeconds: self.consumers.warmUp)
                        )
                    }
                    next += 1
                }
            }
            return points.compactMap { $0 }
        }
        progress.finish()
        let elapsed = started.duration(to: .now).formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))
        print(
            "\(series.name): \(series.perSecond.count) s, \(Int(series.total)) messages, seed \(self.arrivals.seed), \(candidates.count) configurations (\(elapsed)); path \(self.path), SLO p99 <= \(self.consumers.slo) s"
        )
        let prescale = points.filter(\.candidate.predictive)
        let keda = points.filter { !$0.candidate.predictive }
        print("")
        print(
            TuningReport.table(
                Tuner.frontier(prescale), title: "Prescale (\(self.path == "direct" ? "prescale-direct" : "prescale")) frontier:"))
        print("")
        print(TuningReport.table(Tuner.frontier(keda), title: "KEDA reactive (keda) frontier, tuned the same way:"))
        print("")
        let bestKEDA = Tuner.cheapest(keda, meeting: self.consumers.slo)
        if let bestKEDA {
            print(
                "KEDA's cheapest within the SLO: \(Int(bestKEDA.result.replicaSeconds.rounded())) replica-s, p99 \(TuningReport.number((bestKEDA.result.waitP99 * 10).rounded() / 10)) s"
            )
        } else {
            print("KEDA: no configuration meets the SLO")
        }
        guard let best = Tuner.cheapest(prescale, meeting: self.consumers.slo) else {
            print("Prescale: no configuration meets the SLO; the frontier above shows the closest")
            throw ExitCode(2)
        }
        print(
            "Prescale's cheapest within the SLO: \(Int(best.result.replicaSeconds.rounded())) replica-s, p99 \(TuningReport.number((best.result.waitP99 * 10).rounded() / 10)) s"
        )
        let fragment = best.candidate.scaledObjectFragment(base: prediction, direct: self.path == "direct")
        if let out {
            try fragment.write(toFile: out, atomically: true, encoding: .utf8)
            print("ScaledObject fragment: \(out)")
        } else {
            print("")
            print(fragment, terminator: "")
        }
    }

    /// The arrivals per second, and the capacity a recording teaches (if any).
    func loadArrivals() throws -> (ArrivalSeries, Double?) {
        guard let path = self.recording else { return (try self.arrivals.loadSeries(), nil) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--recording: cannot read \"\(path)\" as UTF-8 text")
        }
        var recording = PlanRecording()
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            do {
                try recording.append(PlanLineReader.observation(String(line), number: number), line: number)
            } catch {
                throw ValidationError("--recording: \(error)")
            }
        }
        guard let series = recording.series(name: (path as NSString).lastPathComponent) else {
            throw ValidationError("--recording: needs at least two lines with \"arrived\"")
        }
        return (series, recording.capacity.estimate)
    }
}
