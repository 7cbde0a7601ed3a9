import PrescaleCore

/// KEDA plus the HPA: `keda` (poll 30 s), `keda-fast` (poll 1 s + push) and `prescale` (push, the
/// planner's value); `prescale-direct` adds scale-up at every sample.
struct KEDAPolicy: ScalingPolicy {
    let name: String
    let settings: ControlPathSettings
    let model: ConsumerModel
    let target: Double
    let pollingInterval: Double
    let pushActivation: Bool
    let direct: Bool
    /// Prescale's planner (the server's `PredictivePlanner`), sampled every `sampleInterval`; `nil`
    /// for KEDA's own kafka scaler (the lag, capped at partitions × target). Held directly, not in an
    /// enum payload, so that updating it in place never copies its rings.
    var planner: PredictivePlanner?
    /// What the server's Kafka source learns of the consumers' commits (one key: the simulated consumers
    /// commit together).
    private var commits = CommitCadence<Int>()
    private var hpa: HPAModel
    private var current = 0
    private var nextPoll: Double = 0
    private var nextSample: Double = 0
    private var lastActive: Double = -.infinity
    private var value: Double = 0
    private var active = false
    private var desired = 0
    private var lastDirectUp = -Double.infinity
    /// Whether the planner's last decision asked Prescale to lower the replicas itself (`--direct-scale-down`).
    private var lowering = false
    private let cooldownSeconds: Double
    private(set) var reverts = 0
    private(set) var explanation: (value: Double, planned: Int, burstRate: Double)?

    init(
        name: String, settings: ControlPathSettings, model: ConsumerModel, pollingInterval: Double, pushActivation: Bool,
        direct: Bool = false, planner: PredictivePlanner?
    ) {
        let behavior = planner == nil ? settings.kedaBehavior : settings.prescaleBehavior
        self.cooldownSeconds = planner == nil ? settings.cooldownSeconds : settings.prescaleCooldownSeconds
        self.name = name
        self.settings = settings
        self.model = model
        self.target = settings.target ?? model.ratePerReplica
        self.pollingInterval = pollingInterval
        self.pushActivation = pushActivation
        self.direct = direct
        self.planner = planner
        self.hpa = HPAModel(
            syncSeconds: settings.hpaSyncSeconds, tolerance: settings.hpaTolerance, behavior: behavior, maximum: model.maximumReplicas)
    }

    mutating func replicas(for observation: ScalingObservation) -> Int {
        let now = observation.time
        var sampled = false
        if now >= self.nextSample {
            self.nextSample = now + self.settings.sampleInterval
            self.sample(observation)
            sampled = true
        }
        let activationDue = (self.pushActivation && sampled) || now >= self.nextPoll
        if now >= self.nextPoll { self.nextPoll = now + self.pollingInterval }
        if activationDue {
            if self.active {
                self.lastActive = now
                if self.current == 0 { self.current = 1 }
            } else if self.current > 0 && now - self.lastActive >= self.cooldownSeconds {
                self.current = 0
            }
        }
        if self.direct && sampled && self.active && self.desired > self.current {
            self.current = min(self.desired, self.model.maximumReplicas)
            self.lastDirectUp = now
        } else if self.lowering && sampled && self.current > 0 && self.desired < self.current {
            // Lowered to the count the HPA computes from the same value, so its next sync agrees.
            self.current = self.desired
        }
        if let synced = self.hpa.sync(now: now, current: self.current, value: self.value, target: self.target) {
            if synced < self.current && now - self.lastDirectUp <= self.settings.hpaSyncSeconds { self.reverts += 1 }
            // With direct scale-up the HPA computes the same count from the same value, so it agrees; it
            // still owns scale-down, with its stabilisation window.
            self.current = synced
        }
        return self.current
    }

    private mutating func sample(_ observation: ScalingObservation) {
        let cap = Double(self.model.partitions) * self.target
        // The lag as a Kafka scaler reads it: consumed messages count until their offsets are committed.
        let lag = observation.lag
        // KEDA's cap: only when lag / threshold (integer division) exceeds the partition count.
        let reactive = (lag / self.target).rounded(.down) > Double(self.model.partitions) ? cap : lag
        if self.planner == nil {
            self.value = reactive
            self.active = lag > 0
        } else {
            let uncommitted = self.commits.update(time: observation.time, reads: [(key: 0, committed: observation.committed, lag: lag)])
            let decision = self.planner!.decide(
                MetricSample(
                    time: observation.time, reactiveValue: reactive, activityValue: lag, backlog: lag,
                    arrived: observation.arrived, consumed: observation.committed,
                    uncommitted: self.settings.commitCadence ? uncommitted : nil,
                    replicas: self.settings.replicaSource ? min(observation.ready, self.model.partitions) : nil,
                    valueCap: max(cap, reactive)))
            self.value = decision.value
            self.active = decision.isActive
            self.desired = min(max(decision.desiredReplicas, 1), self.model.maximumReplicas)
            self.lowering = self.direct && (decision.prediction?.lowersReplicas ?? false)
            self.explanation = (decision.value, decision.prediction?.plannedReplicas ?? 0, decision.prediction?.burstRate ?? 0)
        }
    }
}

/// Knative's KPA in requests-per-second mode: target 70% of a replica's rate, stable window 60 s,
/// panic window 6 s, panic at 200%, a 2 s tick, the activator waking a revision from zero.
struct KPAPolicy: ScalingPolicy {
    let name = "kpa"
    let settings: ControlPathSettings
    let model: ConsumerModel
    private var perSecond: [Double]
    private var index = 0
    private var accumulated = 0.0
    private var second = 0
    private var nextTick: Double = 0
    private var current = 0
    private var panicUntil: Double = -.infinity
    private var idleSince: Double?

    init(settings: ControlPathSettings, model: ConsumerModel) {
        self.settings = settings
        self.model = model
        self.perSecond = Array(repeating: 0, count: Int(settings.kpaStableWindow.rounded(.up)))
    }

    mutating func replicas(for observation: ScalingObservation) -> Int {
        let now = observation.time
        let tickSecond = Int(now.rounded(.down))
        if tickSecond != self.second {
            self.perSecond[self.index] = self.accumulated
            self.index = (self.index + 1) % self.perSecond.count
            self.accumulated = 0
            self.second = tickSecond
        }
        self.accumulated += observation.arrivalRate * Simulation.tick
        // The activator: a request for a revision at zero wakes it at once.
        if self.current == 0 && (observation.arrivalRate > 0 || observation.backlog > 0) {
            self.current = 1
            self.idleSince = nil
        }
        guard now >= self.nextTick else { return self.current }
        self.nextTick = now + self.settings.kpaTick
        let target = self.model.ratePerReplica * self.settings.kpaTargetUtilization
        let stableRate = self.average(seconds: Int(self.settings.kpaStableWindow))
        let panicRate = self.average(seconds: Int(self.settings.kpaPanicWindow))
        let stable = Int((stableRate / target).rounded(.up))
        let panic = Int((panicRate / target).rounded(.up))
        let ready = max(observation.ready, 1)
        if Double(panic) >= self.settings.kpaPanicThreshold * Double(ready) && panic > self.current {
            self.panicUntil = now + self.settings.kpaStableWindow
        }
        var desired = now < self.panicUntil ? max(panic, self.current) : stable
        if stableRate == 0 && observation.backlog == 0 {
            if self.idleSince == nil { self.idleSince = now }
            // Scale to zero after the stable window plus the 30 s grace period.
            desired = now - self.idleSince! >= 30 ? 0 : max(self.current, 0)
        } else {
            self.idleSince = nil
            desired = max(desired, 1)
        }
        self.current = min(desired, self.model.maximumReplicas)
        return self.current
    }

    private func average(seconds: Int) -> Double {
        let count = min(seconds, self.perSecond.count)
        var sum = self.accumulated
        for back in 1..<count {
            sum += self.perSecond[(self.index - back + self.perSecond.count * 2) % self.perSecond.count]
        }
        return sum / Double(count)
    }
}

/// Static provisioning for the trace's busiest second: the always-on container baseline for cost.
struct PeakPolicy: ScalingPolicy {
    let name = "peak"
    let replicas: Int

    init(series: ArrivalSeries, model: ConsumerModel) {
        self.replicas = min(max(Int((series.peakRate(window: 1) / model.ratePerReplica).rounded(.up)), 1), model.maximumReplicas)
    }

    func replicas(for observation: ScalingObservation) -> Int { self.replicas }
}
