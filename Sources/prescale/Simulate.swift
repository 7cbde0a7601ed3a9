import ArgumentParser
import Foundation
import PrescaleCore
import PrescaleSimulator

/// `prescale simulate`: replay a workload through models of the whole control path and compare
/// policies side by side, deterministically.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a trace or scenario through KEDA/HPA, KPA, Prescale and static policies and compare them.",
        discussion: """
            Every policy sees the same arrivals (seeded) and the same consumer model. `prescale` and \
            `prescale-direct` run the server's own planner, configured with --metadata (the trigger's \
            prediction keys). Prints a table; --json writes the numbers, --out a chart per run.
            """
    )

    @OptionGroup(title: "Arrivals")
    var arrivals: ArrivalOptions
    @Option(help: "Policies to compare, comma-separated: \(PolicyName.allCases.map(\.rawValue).joined(separator: ",")).")
    var policies: String = PolicyName.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Messages one replica consumes per second, > 0.")
    var ratePerReplica: Double = ConsumerModel().ratePerReplica
    @Option(help: "With --work-column: work units one replica handles per second, > 0 (replaces --rate-per-replica with the trace's mean).")
    var workPerReplica: Double?
    @Option(help: "Seconds all consumers pause when the group changes (Kafka rebalance), >= 0.")
    var rebalancePause: Double = 0
    @OptionGroup(title: "Consumers")
    var consumers: ConsumerOptions
    @Option(help: "Metric target per replica in messages of backlog (lagThreshold); default: --rate-per-replica.")
    var target: Double?

    @Option(help: "KEDA pollingInterval for `keda`, seconds.")
    var pollingInterval: Double = 30
    @Option(help: "KEDA pollingInterval for `keda-fast`, seconds.")
    var fastPollingInterval: Double = 1
    @Option(help: "HPA sync period, seconds.")
    var hpaSync = PredictionSpec.defaultHPASyncSeconds
    @Option(help: "HPA behaviour of keda and keda-fast, scale-up: pods added per sync at least (Kubernetes' default 4).")
    var hpaScaleUpPods: Int = HPABehavior.kubernetesDefault.scaleUpPods
    @Option(help: "…or this percentage of the current count, whichever is more (Kubernetes' default 100).")
    var hpaScaleUpPercent: Int = HPABehavior.kubernetesDefault.scaleUpPercent
    @Option(help: "…and the scale-down stabilisation window, seconds (Kubernetes' default 300).")
    var hpaStabilization: Int = HPABehavior.kubernetesDefault.scaleDownStabilizationSeconds
    @Option(help: "HPA behaviour of prescale and prescale-direct (what Prescale's ScaledObjects ship), scale-up pods per sync.")
    var prescaleScaleUpPods: Int = HPABehavior.prescale.scaleUpPods
    @Option(help: "…scale-up percentage per sync.")
    var prescaleScaleUpPercent: Int = HPABehavior.prescale.scaleUpPercent
    @Option(help: "…scale-down stabilisation window, seconds.")
    var prescaleStabilization: Int = HPABehavior.prescale.scaleDownStabilizationSeconds
    @Option(help: "HPA tolerance, 0 to 1.")
    var tolerance = HPABehavior.tolerance
    @Option(help: "KEDA cooldownPeriod of keda and keda-fast before scaling to zero, seconds (KEDA's default 300).")
    var cooldown = Double(KEDACooldown.kedaDefaultSeconds)
    @Option(help: "…of prescale and prescale-direct (what Prescale's ScaledObjects ship, 60).")
    var prescaleCooldown = Double(KEDACooldown.prescaleSeconds)
    @Option(help: "KPA stable window, seconds.")
    var kpaStableWindow: Double = 60
    @Option(help: "KPA panic window, seconds.")
    var kpaPanicWindow: Double = 6
    @Option(help: "KPA panic threshold (2 = 200%).")
    var kpaPanicThreshold: Double = 2
    @Option(help: "KPA tick, seconds.")
    var kpaTick: Double = 2
    @Option(help: "KPA target utilisation of a replica's rate, greater than 0 and at most 1.")
    var kpaTargetUtilization: Double = 0.7

    @Option(
        name: .long,
        help:
            "Planner metadata key=value for prescale policies (predict, leadTimeSeconds, coldStartSeconds, predictQuantile, messagesPerReplicaPerSecond, drainSeconds); repeatable."
    )
    var metadata: [String] = []
    @Flag(
        inversion: .prefixedNo,
        help: "Give prescale policies the ready replicas (as a cluster does); --no-replica-source: none, so no capacity is learned.")
    var replicaSource = true
    @Flag(
        inversion: .prefixedNo,
        help:
            "Tell prescale policies what the consumers consumed but have not committed, estimated from the commit cadence (as the server does); --no-commit-cadence: the raw lag."
    )
    var commitCadence = true
    @Flag(
        inversion: .prefixedNo,
        help:
            "Let prescale policies allow for the consumer group's rebalance pause after the replicas change (as the server does); --no-rebalance-guard: not."
    )
    var rebalanceGuard = true
    @Flag(
        help:
            "Let prescale-direct also lower the replicas to its value at every sample, with a one-sync hold and no kept rise, once changes of the replicas are seen to cost the consumer group no rebalance pause (a design the server's actuator does not implement: it only scales up)."
    )
    var directScaleDown = false
    @Option(help: "Write the results as JSON to this file.")
    var json: String?
    @Option(help: "Write the chart (SVG) into this directory.")
    var out: String?
    @Option(help: "Write a per-second CSV timeline (arrivals, then backlog and replicas per policy) to this file.")
    var timeline: String?

    func validate() throws {
        func positive(_ value: Double, _ flag: String) throws {
            guard value > 0, value.isFinite else { throw ValidationError("--\(flag): \(value) is not allowed; allowed: a number > 0") }
        }
        func nonNegative(_ value: Double, _ flag: String) throws {
            guard value >= 0, value.isFinite else { throw ValidationError("--\(flag): \(value) is not allowed; allowed: a number >= 0") }
        }
        try self.arrivals.requireOneSource()
        try positive(self.ratePerReplica, "rate-per-replica")
        if let workPerReplica { try positive(workPerReplica, "work-per-replica") }
        guard (self.arrivals.workColumn == nil) == (self.workPerReplica == nil) else {
            throw ValidationError("--work-column and --work-per-replica go together")
        }
        try nonNegative(self.rebalancePause, "rebalance-pause")
        if let target { try positive(target, "target") }
        for (value, flag) in [
            (self.pollingInterval, "polling-interval"), (self.fastPollingInterval, "fast-polling-interval"), (self.hpaSync, "hpa-sync"),
            (self.kpaStableWindow, "kpa-stable-window"), (self.kpaPanicWindow, "kpa-panic-window"),
            (self.kpaPanicThreshold, "kpa-panic-threshold"), (self.kpaTick, "kpa-tick"),
        ] {
            try positive(value, flag)
        }
        for (value, flag) in [
            (self.hpaStabilization, "hpa-stabilization"), (self.prescaleStabilization, "prescale-stabilization"),
            (self.hpaScaleUpPercent, "hpa-scale-up-percent"), (self.prescaleScaleUpPercent, "prescale-scale-up-percent"),
        ] {
            guard (0...3_600 * 100).contains(value) else {
                throw ValidationError("--\(flag): \(value) is not allowed; allowed: a whole number >= 0")
            }
        }
        guard self.kpaTargetUtilization > 0, self.kpaTargetUtilization <= 1 else {
            throw ValidationError(
                "--kpa-target-utilization: \(self.kpaTargetUtilization) is not allowed; allowed: greater than 0 and at most 1")
        }
        try nonNegative(self.cooldown, "cooldown")
        try nonNegative(self.prescaleCooldown, "prescale-cooldown")
        guard (0...1).contains(self.tolerance) else {
            throw ValidationError("--tolerance: \(self.tolerance) is not allowed; allowed: 0 to 1")
        }
        for (value, flag) in [(self.hpaScaleUpPods, "hpa-scale-up-pods"), (self.prescaleScaleUpPods, "prescale-scale-up-pods")] {
            guard value >= 1 else { throw ValidationError("--\(flag): \(value) is not allowed; allowed: 1 or more") }
        }
        _ = try self.policyNames()
        _ = try self.prediction()
    }

    func policyNames() throws -> [PolicyName] {
        try self.policies.split(separator: ",").map { name in
            guard let policy = PolicyName(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "--policies: \"\(name)\" is not allowed; allowed: \(PolicyName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return policy
        }
    }

    func prediction() throws -> PredictionSpec {
        var map: [String: String] = [:]
        for pair in self.metadata {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--metadata: \"\(pair)\" is not allowed; allowed: key=value")
            }
            let key = String(pair[..<equals])
            guard PredictionSpec.keys.contains(key) else {
                throw ValidationError(
                    "--metadata: key \"\(key)\" is not allowed; allowed: \(PredictionSpec.keys.sorted().joined(separator: ", "))")
            }
            map[key] = String(pair[pair.index(after: equals)...])
        }
        do {
            return try PredictionSpec(metadata: MetadataReader(map))
        } catch {
            throw ValidationError("--metadata: \(error)")
        }
    }

    func run() async throws {
        let series = try self.arrivals.loadSeries()
        var model = ConsumerModel()
        model.ratePerReplica = self.ratePerReplica
        if let workPerReplica = self.workPerReplica {
            model.workPerReplica = workPerReplica
            model.ratePerReplica = workPerReplica / series.meanWork
            print(
                "work model: \(self.arrivals.workColumn!) mean \(String(format: "%.1f", series.meanWork)) per message; a replica handles \(workPerReplica) per second = \(String(format: "%.2f", model.ratePerReplica)) messages per second on average"
            )
        }
        self.consumers.apply(to: &model)
        model.rebalancePauseSeconds = self.rebalancePause
        var settings = ControlPathSettings()
        settings.pollingInterval = self.pollingInterval
        settings.fastPollingInterval = self.fastPollingInterval
        settings.hpaSyncSeconds = self.hpaSync
        settings.kedaBehavior = HPABehavior(
            scaleUpPods: self.hpaScaleUpPods, scaleUpPercent: self.hpaScaleUpPercent, scaleDownStabilizationSeconds: self.hpaStabilization)
        settings.prescaleBehavior = HPABehavior(
            scaleUpPods: self.prescaleScaleUpPods, scaleUpPercent: self.prescaleScaleUpPercent,
            scaleDownStabilizationSeconds: self.prescaleStabilization)
        settings.kpaTargetUtilization = self.kpaTargetUtilization
        settings.hpaTolerance = self.tolerance
        settings.cooldownSeconds = self.cooldown
        settings.prescaleCooldownSeconds = self.prescaleCooldown
        settings.target = self.target
        settings.kpaStableWindow = self.kpaStableWindow
        settings.kpaPanicWindow = self.kpaPanicWindow
        settings.kpaPanicThreshold = self.kpaPanicThreshold
        settings.kpaTick = self.kpaTick
        settings.replicaSource = self.replicaSource
        settings.commitCadence = self.commitCadence
        settings.rebalanceGuard = self.rebalanceGuard
        settings.directScaleDown = self.directScaleDown
        let roster = PolicyRoster(settings: settings, model: model, prediction: try self.prediction())
        var simulation = Simulation(model: model)
        self.consumers.apply(to: &simulation)
        let names = try self.policyNames()
        let progress = Progress(total: names.count, label: "\(series.name), \(series.perSecond.count) s")
        let started = ContinuousClock.now
        let results = await withTaskGroup(of: (Int, SimulationResult).self) { group in
            for (index, name) in names.enumerated() {
                group.addTask { [simulation] in (index, roster.run(name, series: series, simulation: simulation)) }
            }
            var results: [SimulationResult?] = Array(repeating: nil, count: names.count)
            for await (index, result) in group {
                results[index] = result
                progress.step()
            }
            return results.compactMap { $0 }
        }
        progress.finish()
        print(
            SimulationTable.render(
                results, slo: self.consumers.slo,
                title:
                    "\(series.name): \(series.perSecond.count) s, \(Int(series.total)) messages, seed \(self.arrivals.seed)\(self.consumers.warmUp > 0 ? ", waits from \(Int(self.consumers.warmUp)) s" : "") (\(started.duration(to: .now).formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))))"
            ))
        if let json {
            try SimulationTable.json(results, series: series).write(toFile: json, atomically: true, encoding: .utf8)
        }
        if let timeline {
            try SimulationTable.timeline(results, series: series).write(toFile: timeline, atomically: true, encoding: .utf8)
        }
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let file = (out as NSString).appendingPathComponent("simulate-\(Self.slug(series.name)).svg")
            try SimulationChart.svg(series: series, results: results, title: "\(series.name) — arrivals, backlog and replicas per policy")
                .write(toFile: file, atomically: true, encoding: .utf8)
            print("chart: \(file)")
        }
    }

    static func slug(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}

/// A progress line on a terminal (stderr), one step per finished policy.
final class Progress: @unchecked Sendable {
    let total: Int
    let label: String
    let unit: String
    let enabled = isatty(2) == 1
    private var done = 0
    private let lock = NSLock()

    init(total: Int, label: String, unit: String = "policies") {
        self.total = total
        self.label = label
        self.unit = unit
        self.draw()
    }

    func step() {
        self.lock.withLock { self.done += 1 }
        self.draw()
    }

    func draw() {
        guard self.enabled else { return }
        let done = self.lock.withLock { self.done }
        let width = 30
        let filled = self.total == 0 ? width : done * width / self.total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(self.total) \(self.unit) — \(self.label)".utf8))
    }

    func finish() {
        guard self.enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
