/// Replays arrivals through a consumer pool sized by one policy, in 0.1 s ticks, FIFO.
///
/// Arrivals of each second form a cohort (arriving, on average, mid-second); consumption takes the
/// oldest cohorts first and records each message's wait. After the trace, the run continues without
/// arrivals until the backlog is served (at most an hour), so every message is served exactly once.
public struct Simulation: Sendable {
    /// The tick.
    public static let tick = 0.1
    /// The consumers.
    public var model: ConsumerModel
    /// The message-wait SLO `simulate` and `tune` use unless told otherwise: 2 s.
    public static let defaultSLO: Double = 2
    /// The message-wait SLO, seconds. Default: ``defaultSLO``.
    public var slo: Double = Simulation.defaultSLO
    /// Seconds at the start whose messages are left out of the wait percentiles and the SLO share (a
    /// learning period: the first burst of a recurring load, before anything about it is known). The
    /// cost and every other column still cover the whole run. Default: 0.
    public var warmUpSeconds: Double = 0

    /// Creates a simulation of `model`.
    public init(model: ConsumerModel) {
        self.model = model
    }

    /// Runs `policy` over `series`.
    public func run(_ series: ArrivalSeries, policy: inout some ScalingPolicy) -> SimulationResult {
        let ticksPerSecond = Int((1 / Self.tick).rounded())
        var cohorts: [(arrival: Double, remaining: Double, work: Double)] = []
        let useWork = self.model.workPerReplica != nil && series.workPerSecond != nil
        let perReplica = useWork ? self.model.workPerReplica! : self.model.ratePerReplica
        cohorts.reserveCapacity(series.perSecond.count)
        var head = 0
        var backlog = 0.0
        var arrived = 0.0
        var consumed = 0.0
        var committed = 0.0
        // The first commit half an interval in: a scaler polling on whole seconds (KEDA every 30 s, the HPA
        // every 15 s) then reads the lag mid-way between commits, not always just after one.
        var nextCommit = self.model.commitIntervalSeconds / 2
        var maximumBacklog = 0.0
        var pending: [Double] = []  // ready-at times
        var pendingHead = 0
        var ready = 0
        var pausedUntil = -Double.infinity
        var replicaSeconds = 0.0
        var coldStarts = 0
        var scaleEvents = 0
        var reversals = 0
        var lastDirection = 0
        var waits = WaitHistogram()
        var timelineBacklog: [Double] = []
        var timelineReplicas: [Double] = []
        var timelinePlan: [PlanPoint] = []
        var shortfall = CapacityShortfall()
        let drainLimit = series.perSecond.count + 3_600
        var second = 0
        while second < series.perSecond.count || (backlog > 1e-9 && second < drainLimit) {
            let arrivals = second < series.perSecond.count ? series.perSecond[second] : 0
            if arrivals > 0 {
                let work = useWork && second < series.perSecond.count ? series.workPerSecond![second] / arrivals : 1
                cohorts.append((Double(second) + 0.5, arrivals, work))
            }
            for step in 0..<ticksPerSecond {
                let now = Double(second) + Double(step) * Self.tick
                let tickArrivals = arrivals / Double(ticksPerSecond)
                arrived += tickArrivals
                backlog += tickArrivals
                // Replicas whose cold start is over begin consuming.
                var changed = false
                while pendingHead < pending.count && pending[pendingHead] <= now {
                    pendingHead += 1
                    ready += 1
                    changed = true
                }
                if changed && self.model.rebalancePauseSeconds > 0 { pausedUntil = now + self.model.rebalancePauseSeconds }
                // Consume, oldest first; only what has arrived by now can be taken.
                if now >= pausedUntil {
                    // Capacity in work units (messages without a work model); only arrived messages are taken.
                    var capacity = Double(min(ready, self.model.partitions)) * perReplica * Self.tick
                    var allowed = backlog
                    while capacity > 1e-12 && allowed > 1e-12 && head < cohorts.count {
                        let take = min(cohorts[head].remaining, allowed, cohorts[head].work > 0 ? capacity / cohorts[head].work : .infinity)
                        if cohorts[head].arrival >= self.warmUpSeconds {
                            waits.record(wait: max(now + Self.tick - cohorts[head].arrival, 0), count: take)
                        }
                        cohorts[head].remaining -= take
                        capacity -= take * cohorts[head].work
                        allowed -= take
                        backlog -= take
                        consumed += take
                        if cohorts[head].remaining <= 1e-12 { head += 1 }
                    }
                    // Everything that arrived is consumed: no backlog, not the rounding left by the takes
                    // (a lag of 1e-15 would keep every policy's target active for ever).
                    if head == cohorts.count { backlog = 0 }
                }
                // Offsets are committed at the commit interval (or as consumed), up to what was consumed.
                if self.model.commitIntervalSeconds <= 0 {
                    committed = consumed
                } else if now + 1e-9 >= nextCommit {
                    committed = consumed
                    nextCommit += self.model.commitIntervalSeconds
                }
                maximumBacklog = max(maximumBacklog, backlog)
                let provisioned = ready + (pending.count - pendingHead)
                let observation = ScalingObservation(
                    time: now, backlog: backlog, arrived: arrived, consumed: consumed, committed: committed, ready: ready,
                    provisioned: provisioned, arrivalRate: tickArrivals / Self.tick)
                let desired = min(max(policy.replicas(for: observation), 0), self.model.maximumReplicas)
                if desired != provisioned {
                    scaleEvents += 1
                    let direction = desired > provisioned ? 1 : -1
                    if lastDirection != 0 && direction != lastDirection { reversals += 1 }
                    lastDirection = direction
                    if desired > provisioned {
                        for _ in provisioned..<desired { pending.append(now + self.model.coldStartSeconds) }
                        coldStarts += desired - provisioned
                    } else {
                        var remove = provisioned - desired
                        // Starting replicas go first, newest first; then ready ones.
                        while remove > 0 && pending.count > pendingHead {
                            pending.removeLast()
                            remove -= 1
                        }
                        if remove > 0 {
                            ready -= remove
                            if self.model.rebalancePauseSeconds > 0 { pausedUntil = now + self.model.rebalancePauseSeconds }
                        }
                    }
                }
                replicaSeconds += Double(ready + (pending.count - pendingHead)) * Self.tick
            }
            if pendingHead > 1_024 && pendingHead * 2 > pending.count {
                pending.removeFirst(pendingHead)
                pendingHead = 0
            }
            // Short of capacity this second: fewer ready replicas than the second's arrivals need.
            if second < series.perSecond.count {
                let demand = useWork ? series.workPerSecond![second] : arrivals
                let needed = CapacityShortfall.needed(
                    demand: demand, perReplica: perReplica, maximum: min(self.model.maximumReplicas, self.model.partitions))
                shortfall.observe(ready: min(ready, self.model.partitions), needed: needed)
            }
            timelineBacklog.append(backlog)
            timelineReplicas.append(Double(ready + (pending.count - pendingHead)))
            if let explanation = policy.explanation {
                timelinePlan.append(
                    PlanPoint(value: explanation.value, plannedReplicas: explanation.planned, burstRate: explanation.burstRate))
            }
            second += 1
        }
        return SimulationResult(
            policy: policy.name, replicaSeconds: replicaSeconds, waitP50: waits.quantile(0.5), waitP95: waits.quantile(0.95),
            waitP99: waits.quantile(0.99), overSLO: waits.share(above: self.slo), timeToCapacity: Double(shortfall.longest),
            maximumBacklog: maximumBacklog,
            coldStarts: coldStarts, scaleEvents: scaleEvents, reversals: reversals, reverts: policy.reverts, arrived: arrived,
            served: consumed,
            seconds: Double(second), backlog: timelineBacklog, replicas: timelineReplicas, plan: timelinePlan)
    }
}
