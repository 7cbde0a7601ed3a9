import PrescaleCore
import Testing

@testable import PrescaleSimulator

@Suite("Simulator invariants")
struct SimulationTests {
    static func roster(_ model: ConsumerModel) -> PolicyRoster {
        PolicyRoster(
            settings: ControlPathSettings(), model: model, prediction: PredictionSpec(messagesPerReplicaPerSecond: model.ratePerReplica))
    }

    static func bursty(seconds: Int = 1_800, seed: UInt64 = 7) -> ArrivalSeries {
        var random = SimulationRandom(seed: seed)
        return ArrivalSeries(
            perSecond: (0..<seconds).map { second in random.poisson(second % 300 < 40 ? 40 : 3) },
            name: "bursty")
    }

    @Test("every message is served exactly once, for every policy", arguments: PolicyName.allCases)
    func servedOnce(policy: PolicyName) {
        var model = ConsumerModel()
        model.ratePerReplica = 5
        model.coldStartSeconds = 3
        model.rebalancePauseSeconds = 1
        let series = Self.bursty()
        let result = Self.roster(model).run(policy, series: series, simulation: Simulation(model: model))
        #expect(abs(result.arrived - series.total) < 1e-6)
        #expect(abs(result.served - series.total) < 1e-6, "\(policy): served \(result.served) of \(series.total)")
        #expect(result.backlog.last ?? 1 < 1e-6)
    }

    @Test(
        "in every long silence every policy but peak goes back to zero, after its own cooldown",
        arguments: [PolicyName.keda, .kedaFast, .kpa, .prescale, .prescaleDirect])
    func backToZero(policy: PolicyName) throws {
        var model = ConsumerModel()
        model.ratePerReplica = 25
        model.coldStartSeconds = 1
        // Bursts of 10 messages a second against 2.5 per tick: the takes leave rounding behind unless the
        // backlog is snapped to zero once everything is consumed.
        var random = SimulationRandom(seed: 1)
        let series = SyntheticScenario.sparse.series(seconds: 7_200, scale: 1, random: &random)
        let result = Self.roster(model).run(policy, series: series, simulation: Simulation(model: model))
        let cooldown: Double =
            switch policy {
            case .keda, .kedaFast: ControlPathSettings().cooldownSeconds
            case .prescale, .prescaleDirect: ControlPathSettings().prescaleCooldownSeconds
            default: 90  // KPA: the 60 s stable window, then 30 s of grace
            }
        // Within a poll (30 s) and a sync after the cooldown.
        let settle = Int(cooldown) + 45
        var checked = 0
        var silence = 0
        for second in series.perSecond.indices {
            silence = series.perSecond[second] > 0 ? 0 : silence + 1
            guard silence == settle else { continue }
            #expect(
                result.replicas[second] == 0, "\(policy): \(result.replicas[second]) replicas \(settle) s into a silence at \(second) s")
            checked += 1
        }
        #expect(checked >= 3)
        // And not before the cooldown has run.
        let firstBurst = try #require(series.perSecond.firstIndex { $0 > 0 })
        #expect(result.replicas[firstBurst + Int(cooldown) - 5] > 0)
    }

    @Test("replica-seconds equal the integral of the replica curve", arguments: PolicyName.allCases)
    func replicaSeconds(policy: PolicyName) {
        var model = ConsumerModel()
        model.ratePerReplica = 5
        let result = Self.roster(model).run(policy, series: Self.bursty(), simulation: Simulation(model: model))
        // The timeline holds the count at the end of each second; the integral is taken per tick, so
        // the two agree within the changes that happen inside a second.
        let integral = result.replicas.reduce(0, +)
        #expect(abs(result.replicaSeconds - integral) <= Double(result.scaleEvents) * Double(model.maximumReplicas) + 1e-6)
        #expect(result.replicaSeconds > 0)
    }

    @Test("peak keeps one constant count, sized for the busiest second, and never cold-starts again")
    func peak() {
        var model = ConsumerModel()
        model.ratePerReplica = 4
        let series = ArrivalSeries(perSecond: [0, 10, 37, 5] + Array(repeating: 0, count: 100), name: "t")
        let result = Self.roster(model).run(.peak, series: series, simulation: Simulation(model: model))
        #expect(Set(result.replicas) == [10])  // ceil(37 / 4)
        #expect(result.scaleEvents == 1 && result.coldStarts == 10 && result.reversals == 0)
        #expect(abs(result.replicaSeconds - 10 * result.seconds) < 1e-6)
    }

    @Test("FIFO waits: one replica at 1 msg/s serving 10 messages that arrive together")
    func fifoWaits() {
        var model = ConsumerModel()
        model.ratePerReplica = 1
        model.coldStartSeconds = 0
        let series = ArrivalSeries(perSecond: [10] + Array(repeating: 0, count: 20), name: "t")
        var policy = PeakPolicy(series: ArrivalSeries(perSecond: [1], name: "one"), model: model)
        let result = Simulation(model: model).run(series, policy: &policy)
        // Served from about 0.5 s for 10 s: waits spread evenly from 0 to ~10 s.
        #expect(abs(result.waitP50 - 5) < 0.7)
        #expect(result.waitP99 > 9 && result.waitP99 < 10.7)
        #expect(result.maximumBacklog <= 10)
    }

    @Test("the same seed gives the same results; another seed another trace")
    func deterministic() {
        let model = ConsumerModel()
        let a = Self.roster(model).run(.prescale, series: Self.bursty(seed: 3), simulation: Simulation(model: model))
        let b = Self.roster(model).run(.prescale, series: Self.bursty(seed: 3), simulation: Simulation(model: model))
        #expect(a.replicaSeconds == b.replicaSeconds && a.waitP99 == b.waitP99 && a.replicas == b.replicas)
        #expect(Self.bursty(seed: 3) != Self.bursty(seed: 4))
    }

    @Test("on a step up, prediction with direct scale-up waits less than KEDA's defaults")
    func stepUp() {
        var model = ConsumerModel()
        model.ratePerReplica = 10
        var random = SimulationRandom(seed: 1)
        let series = SyntheticScenario.step.series(seconds: 900, scale: 1, random: &random)
        let roster = Self.roster(model)
        let keda = roster.run(.keda, series: series, simulation: Simulation(model: model))
        let direct = roster.run(.prescaleDirect, series: series, simulation: Simulation(model: model))
        #expect(direct.waitP99 < keda.waitP99)
        #expect(direct.maximumBacklog < keda.maximumBacklog)
    }
}

@Suite("Work per message")
struct WorkModelTests {
    @Test("messages with more work take longer to serve, and all are still served once")
    func tokens() throws {
        var reader = TraceReader()
        reader.workColumn = "GeneratedTokens"
        let text =
            "TIMESTAMP,ContextTokens,GeneratedTokens\n"
            + (0..<20).map { "2023-11-16 18:00:\($0 < 10 ? "0" : "")\($0).5,1,\($0 % 2 == 0 ? 5 : 95)" }.joined(separator: "\n")
        let series = try reader.read(text, name: "tokens")
        #expect(series.workPerSecond?.reduce(0, +) == 1_000)
        #expect(series.meanWork == 50)
        var model = ConsumerModel()
        model.coldStartSeconds = 0
        model.workPerReplica = 40
        model.ratePerReplica = 2
        var policy = PeakPolicy(series: ArrivalSeries(perSecond: [2], name: "two"), model: model)  // 1 replica
        let heavy = Simulation(model: model).run(series, policy: &policy)
        #expect(abs(heavy.served - 20) < 1e-9)
        // 1,000 units at 40 per second take 25 s of the one replica: the run drains past the trace.
        #expect(heavy.seconds >= 25)
        #expect(heavy.waitP99 > 2)
        model.workPerReplica = nil
        let light = Simulation(model: model).run(ArrivalSeries(perSecond: series.perSecond, name: "unit"), policy: &policy)
        #expect(abs(light.served - 20) < 1e-9)
        #expect(light.waitP99 < 1 && light.seconds <= 21)
    }
}

@Suite("Tuner")
struct TunerTests {
    static func tuner(direct: Bool) -> Tuner {
        var model = ConsumerModel()
        model.ratePerReplica = 2
        model.coldStartSeconds = 1
        return Tuner(model: model, settings: ControlPathSettings(), prediction: PredictionSpec(coldStartSeconds: 1), direct: direct)
    }

    static let series: ArrivalSeries = {
        var random = SimulationRandom(seed: 3)
        return SyntheticScenario.onOff.series(seconds: 900, scale: 0.2, random: &random)
    }()

    @Test("the frontier is monotone: each cheaper point has a higher p99, and no point beats one on it", arguments: [false, true])
    func frontierIsMonotone(direct: Bool) {
        let tuner = Self.tuner(direct: direct)
        let candidates = Array(tuner.candidates(predictive: true).prefix(24)) + Array(tuner.candidates(predictive: false).prefix(24))
        let points = candidates.map { tuner.evaluate($0, series: Self.series, slo: 2) }
        let frontier = Tuner.frontier(points)
        #expect(!frontier.isEmpty)
        for (a, b) in zip(frontier, frontier.dropFirst()) {
            #expect(a.result.replicaSeconds <= b.result.replicaSeconds)
            #expect(a.result.waitP99 > b.result.waitP99)
        }
        for point in points {
            // Nothing off the frontier is both cheaper and faster than a point on it.
            for member in frontier {
                #expect(!(point.result.replicaSeconds < member.result.replicaSeconds && point.result.waitP99 < member.result.waitP99))
            }
        }
    }

    @Test("the cheapest configuration meeting the SLO meets it, and none cheaper does")
    func cheapest() throws {
        let tuner = Self.tuner(direct: false)
        let points = tuner.candidates(predictive: true).prefix(32).map { tuner.evaluate($0, series: Self.series, slo: 20) }
        let best = try #require(Tuner.cheapest(points, meeting: 20))
        #expect(best.result.waitP99 <= 20)
        for point in points where point.result.replicaSeconds < best.result.replicaSeconds {
            #expect(point.result.waitP99 > 20)
        }
    }

    @Test("the same input gives the same points")
    func deterministic() {
        let tuner = Self.tuner(direct: true)
        let candidate = tuner.candidates(predictive: true)[5]
        let a = tuner.evaluate(candidate, series: Self.series, slo: 2).result
        let b = tuner.evaluate(candidate, series: Self.series, slo: 2).result
        #expect(a.replicaSeconds == b.replicaSeconds && a.waitP99 == b.waitP99 && a.replicas == b.replicas)
    }

    @Test("the fragment carries the candidate's behaviour and keys")
    func fragment() {
        let candidate = TuningCandidate(
            predictive: true, lagThreshold: 20, pollingInterval: 30,
            behavior: HPABehavior(scaleUpPods: 100, scaleUpPercent: 900, scaleDownStabilizationSeconds: 120), quantile: 0.5,
            drainSeconds: 10)
        let yaml = candidate.scaledObjectFragment(base: PredictionSpec(coldStartSeconds: 1), direct: true)
        for line in [
            "stabilizationWindowSeconds: 120", "value: 900", "lagThreshold: \"20\"", "predictQuantile: \"0.5\"", "drainSeconds: \"10\"",
            "actuate: \"true\"", "type: external-push",
        ] {
            #expect(yaml.contains(line), "missing \(line)")
        }
    }
}

@Suite("Plan recording")
struct PlanRecordingTests {
    @Test("arrivals come back per second, and the capacity is learned from saturated lines")
    func recording() throws {
        var recording = PlanRecording()
        var arrived = 0.0
        var consumed = 0.0
        for second in 0..<200 {
            arrived += 30
            consumed = min(arrived, consumed + 24)  // 3 replicas × 8
            let line = try PlanObservation(
                numbers: ["t": Double(second), "backlog": arrived - consumed, "arrived": arrived, "consumed": consumed, "replicas": 3],
                otherKeys: [], line: second + 1)
            try recording.append(line, line: second + 1)
        }
        let series = try #require(recording.series(name: "r"))
        #expect(series.perSecond.count == 199)
        #expect(series.perSecond.allSatisfy { abs($0 - 30) < 1e-9 })
        let capacity = try #require(recording.capacity.estimate)
        #expect(abs(capacity - 8) < 1e-9)
    }
}
