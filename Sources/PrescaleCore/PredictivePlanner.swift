/// The planner behind `predict: "true"` (the default for `kafka` and `mqtt`): forecasts the arrival
/// rate over the lead time and reports a value that makes KEDA and the HPA put replicas in place when
/// the load arrives. Before it knows what one replica consumes, it reports KEDA's own value, growing no
/// faster than Kubernetes' default scale-up would let KEDA's trigger grow; once it has learned that
/// capacity from data, its floor is what drains the backlog at that capacity within
/// ``PredictionSpec/floorDrainSeconds``, so its replicas are the same whatever `lagThreshold` is.
///
/// Per sample, in O(1) time with no allocation:
/// 1. the arrival rate since the previous sample feeds four forecasters (``ForecastModel``);
/// 2. the forecast each made one lead time ago is scored against the mean rate that actually
///    followed, and the model with the lowest absolute loss over the last ``lossWindow`` scores is used;
/// 3. headroom is the `predictQuantile` of that model's recent residuals (actual − forecast), a
///    conformal bound rather than a fixed multiplier; through the HPA, within a remembered burst
///    (``BurstMemory``) the rate planned for is max(forecast, the bursts' median peak) instead, and
///    bursts that recur at regular silences get that peak from a lead time before they are due;
/// 4. **no capacity known** (a backlog source): KEDA's value, growing by at most one step of Kubernetes'
///    default scale-up per sync (``DefaultScaleUpBound``), with direct scale-up too: the replicas then
///    saturate often enough for the capacity to be learned (KEDA's value at a small `lagThreshold`
///    keeps every replica idle, and nothing is learned);
/// 5. **lag mode**: value = max(reactive, predicted backlog at the lead time), where the backlog grows
///    by (upper rate − consumption rate) × lead time, capped by the source's own cap (Kafka's partition
///    cap). For windowed sources (MQTT) the prediction is the upper rate × window, plus any backlog.
///    **Rate mode** (a per-replica capacity, learned or from `messagesPerReplicaPerSecond`): desired =
///    ceil((planned rate + backlog / `drainSeconds`) / capacity), value = desired × target, never below
///    the reactive value while the capacity is a prior alone and never below the learned floor once
///    it is learned.
///
/// Its value is held for the scale-down window (``ScaleDownHold``, shorter with direct scale-up) unless the plan knows the load has
/// ended (a remembered burst has been followed by silence, the backlog is drained and the next burst is
/// expected later than a lead time and one HPA sync from now). Once a capacity is known, only the part
/// that serves the rate planned for is held: replicas asked for to drain a backlog leave once it is drained.
///
/// Consumers that commit every few seconds leave a sawtooth in the lag that is not backlog: the source's
/// ``MetricSample/uncommitted`` (``CommitCadence``) is taken off the backlog that every step above plans
/// on, KEDA's value used as the floor included (KEDA's rule applied to the messages that wait); the
/// reported reactive value is still KEDA's own.
///
/// With `predict: "false"` it returns exactly ``ReactivePlanner``'s decision.
public struct PredictivePlanner: Planner {
    /// How many lead-time scores each model's loss and residuals are judged over.
    public static let lossWindow = 60
    /// The longest lead time in samples that is scored (longer ones use this many samples).
    public static let maximumSteps = 256
    /// Residuals needed before headroom is added.
    public static let minimumResiduals = 5
    /// The weight of a new sample's consumption rate in its moving average, as the responsive
    /// forecaster's (``ForecasterBank/fastAlpha``): what was consumed, used while no capacity is known.
    static let consumptionSmoothing = ForecasterBank.fastAlpha
    /// The weight of a new sample interval in its moving average: an irregular sample moves the lead
    /// time's step count a fifth of the way.
    static let intervalSmoothing = 0.2

    /// The reactive part (and the whole planner when prediction is off).
    public var reactive: ReactivePlanner
    /// The prediction settings.
    public let prediction: PredictionSpec

    private var bank = ForecasterBank()
    private var lastTime: Double?
    private var lastArrived: Double = 0
    private var lastConsumed: Double?
    private var interval: Double?
    private var consumeRate: Double?
    private var arrivals: FixedRing
    private var times: FixedRing
    private var pastForecasts: [FixedRing]
    private var pastBacklogs: FixedRing
    private var pastPredictedBacklogs: FixedRing
    private var losses: [FixedRing]
    private var residuals: [FixedRing]
    private var scratch: [Double]
    private var capacity: CapacityEstimator
    private var bursts = BurstMemory()
    private var scaleUpBound: DefaultScaleUpBound
    private var hold: ScaleDownHold
    private var current: (Double, Double, Double, Double) = (0, 0, 0, 0)
    private var lastCommitted: Double?
    private var floorPacing = FloorPacing()
    private var lastConsumption: Double?

    /// Creates a planner for a trigger's target, activation threshold and prediction settings.
    public init(target: Double, activationThreshold: Double, prediction: PredictionSpec) {
        self.reactive = ReactivePlanner(target: target, activationThreshold: activationThreshold)
        self.prediction = prediction
        let history = Self.maximumSteps + 1
        self.arrivals = FixedRing(capacity: history)
        self.times = FixedRing(capacity: history)
        self.pastForecasts = Array(repeating: FixedRing(capacity: history), count: ForecastModel.count)
        self.pastBacklogs = FixedRing(capacity: history)
        self.pastPredictedBacklogs = FixedRing(capacity: history)
        self.losses = Array(repeating: FixedRing(capacity: Self.lossWindow), count: ForecastModel.count)
        self.residuals = Array(repeating: FixedRing(capacity: Self.lossWindow), count: ForecastModel.count)
        self.scratch = []
        self.scratch.reserveCapacity(Self.lossWindow)
        self.capacity = CapacityEstimator(
            prior: prediction.messagesPerReplicaPerSecond, followsRebalances: prediction.followsRebalances)
        self.hold = ScaleDownHold(
            seconds: ScaleDownHold.seconds(for: prediction, lowering: false),
            syncSeconds: prediction.hpaSyncPeriod)
        self.scaleUpBound = DefaultScaleUpBound(syncSeconds: prediction.hpaSyncPeriod)
    }

    /// Creates the planner a parsed trigger asks for.
    public init(spec: TriggerSpec, prediction: PredictionSpec) {
        self.init(target: spec.target, activationThreshold: spec.activationThreshold, prediction: prediction)
    }

    /// The model with the lowest recent loss (the responsive EWMA until any has been scored).
    public var chosenModel: ForecastModel {
        guard self.losses[0].count > 0 else { return .ewmaFast }
        var best = 0
        for index in 1..<ForecastModel.count where self.losses[index].sum < self.losses[best].sum { best = index }
        return ForecastModel.byIndex[best]
    }

    public mutating func decide(_ sample: MetricSample) -> PlannerDecision {
        guard self.prediction.enabled else { return self.reactive.decide(sample) }
        var decision = self.bounded(sample)
        decision.prediction?.uncommitted = sample.consumedUncommitted
        let lowering = self.lowersReplicas
        decision.prediction?.lowersReplicas = lowering
        self.hold.seconds = ScaleDownHold.seconds(for: self.prediction, lowering: lowering)
        // A direct scale-up is kept for one sync so the HPA reads it; the scale-down hold then keeps it
        // as long as the plan wants the replicas. What is kept is the value reported, after the bound
        // that holds while no capacity is known: a rise the bound cut was never asked for. Not when
        // Prescale lowers the replicas itself: no HPA sync then has a count to undo.
        if self.prediction.direct && !lowering {
            let kept = self.hold.keepRise(time: sample.time, value: decision.value)
            if kept > decision.value {
                decision.report(kept)
                decision.isActive = decision.isActive || kept > self.reactive.activationThreshold
            }
        }
        // The scale-down stabilisation is in the value (the shipped HPA behaviour has no window): held
        // for ``ScaleDownHold/window`` unless the plan knows the load has ended. Activation follows the
        // plan itself, so KEDA's cooldown starts when the load ends.
        if self.loadHasEnded(sample) { self.hold.release() }
        self.hold.hold(&decision)
        return decision
    }

    /// Whether Prescale lowers the replicas to the value itself: asked for (``PredictionSpec/lowersReplicas``,
    /// direct scale-up only), and changes of the replica count seen to cost the consumer group no pause
    /// (``CapacityEstimator/changesAreFree``). Until then the value is kept and held as for the HPA.
    var lowersReplicas: Bool {
        self.prediction.direct && self.prediction.lowersReplicas && self.capacity.changesAreFree
    }

    /// Whether the plan knows the load has ended for long enough that replicas can go and come back in
    /// time: a capacity is known, the backlog is drained, and the next burst is expected to rise (burst
    /// memory, early) later than a lead time and one HPA sync from now.
    private func loadHasEnded(_ sample: MetricSample) -> Bool {
        guard self.capacity.estimate != nil, sample.waiting <= 0,
            let next = self.bursts.secondsToNextRise(at: sample.time)
        else { return false }
        return next > self.prediction.leadTimeSeconds + self.prediction.hpaSyncPeriod
    }

    /// The decision before the scale-down hold.
    private mutating func bounded(_ sample: MetricSample) -> PlannerDecision {
        var decision = self.plan(sample)
        // KEDA's own value for a backlog (Kafka's lag): a windowed source's count has no such trigger.
        guard self.prediction.enabled, sample.windowSeconds == nil else { return decision }
        let bound = self.scaleUpBound.observe(
            time: sample.time, reactiveValue: sample.reactiveWaiting, target: self.reactive.target, ready: sample.replicas)
        guard self.capacity.estimate == nil else { return decision }
        // No capacity known: KEDA's value, growing by at most one default scale-up step per sync.
        if decision.value > bound { decision.report(bound) }
        if decision.prediction == nil {
            decision.prediction = PredictionExplanation(
                forecastRate: 0, upperRate: 0, predictedBacklog: sample.waiting, model: self.chosenModel,
                leadTimeSeconds: self.prediction.leadTimeSeconds)
        }
        decision.prediction?.scaleUpBound = bound
        return decision
    }

    /// The decision before the bound that holds while no capacity is known.
    private mutating func plan(_ sample: MetricSample) -> PlannerDecision {
        var decision = self.reactive.kedaDecision(sample)
        // KEDA's rule applied to the messages that wait: a commit sawtooth is not backlog to drain.
        if sample.consumedUncommitted > 0 { decision.report(sample.reactiveWaiting) }
        guard self.prediction.enabled, let arrived = sample.arrived, arrived.isFinite else { return decision }
        guard let lastTime = self.lastTime, sample.time > lastTime else {
            if self.lastTime == nil {
                self.remember(sample, arrived: arrived)
                // No rate yet, so nothing to plan; but what was learned before (a restored capacity) is
                // known from the first sample on.
                decision.prediction = PredictionExplanation(
                    forecastRate: 0, upperRate: 0, predictedBacklog: sample.waiting, model: self.chosenModel,
                    leadTimeSeconds: self.prediction.leadTimeSeconds, capacity: self.capacity.estimate,
                    capacityConfidence: self.capacity.confidence)
            }
            return decision
        }
        let lead = self.prediction.leadTimeSeconds
        let (rate, steps, model, forecast, upper) = self.forecastAhead(sample, arrived: arrived, since: lastTime)
        let backlog = sample.waiting
        // Replicas that can consume: at most one per Kafka partition.
        let consuming = sample.replicas.map { min($0, sample.maximumConsumers ?? $0) }
        // The estimator reads the committed progress and the whole lag. Once it has learned, a periodic
        // committer's reads between commits (nothing committed since the last read) are left out: the
        // sawtooth makes idle replicas look saturated (the estimate would shrink with every stretch), while
        // at a commit the progress is whole. Before it has learned they count, so that a capacity is known
        // early (docs/simulation.md measures both).
        if let consumed = sample.consumed, let consuming {
            let betweenCommits = self.capacity.isLearned && sample.consumedUncommitted > 0 && consumed == self.lastCommitted
            if !betweenCommits {
                self.capacity.observe(time: sample.time, consumed: consumed, backlog: max(sample.backlog ?? 0, 0), replicas: consuming)
            }
        }
        self.lastCommitted = sample.consumed
        self.bursts.observe(time: sample.time, rate: rate)
        // A burst under way is planned at the median peak of past ones; in a silence, so is a burst that
        // recurs at regular silences, from a lead time before it is due.
        let prewarmRate = self.bursts.prewarmRate(at: sample.time, lead: lead)
        let burstRate = max(self.bursts.plannedRate(at: sample.time, lead: lead), prewarmRate)
        let perReplica = self.capacity.estimate

        // Until a capacity is learned the floor is KEDA's value; with direct scale-up it is paced too.
        var kedaFloor = decision.value
        if !self.capacity.isLearned {
            let replicas = PlannerDecision.replicas(value: kedaFloor, target: self.reactive.target)
            let paced = self.paced(replicas, sample, capacity: perReplica, lead: lead)
            if paced < replicas { kedaFloor = Double(paced) * self.reactive.target }
        }
        var predicted: Double
        var planned: Int?
        var learnedFloor: Double?
        var serving: Double?
        var value: Double
        if let window = sample.windowSeconds, perReplica == nil {
            // A windowed source without a known capacity: the window count at the lead time. The part of
            // today's count that will still be in the window, plus what the forecast adds meanwhile (for a
            // steady rate this is rate × window, as today).
            let span = min(lead, window)
            let counted = max(sample.reactiveValue - backlog, 0)
            predicted = counted * (1 - span / window) + upper * span + backlog
            value = predicted
        } else {
            // The backlog when new capacity is ready: the point forecast against what the replicas
            // consuming now can consume (the headroom goes into the rate planned for, not multiplied by
            // the lead time). With a known capacity that is replicas × capacity, whether or not they are
            // busy now: what they consumed lags a rise they can absorb. Without one, what was consumed.
            let consumption =
                consuming.flatMap { r in perReplica.map { Double(r) * $0 } } ?? self.consumeRate ?? forecast
            // Not capped by the source's cap (in units of `lagThreshold`): that bounds the replicas, below.
            predicted = sample.windowSeconds != nil ? backlog : max(backlog + (forecast - consumption) * lead, 0)
            value = predicted
            if let perReplica {
                (value, planned, learnedFloor, serving) = self.queueingPlan(
                    sample, forecast: forecast, upper: upper, predictedBacklog: predicted, burstRate: burstRate,
                    perReplica: perReplica, lead: lead)
            } else {
                // No capacity known yet: KEDA's own value until a saturated stretch teaches one.
                value = kedaFloor
            }
        }
        let errors = self.scoreBacklog(predicted: sample.windowSeconds == nil ? predicted : .nan, backlog: backlog, steps: steps)
        if let cap = sample.valueCap { value = min(value, cap) }
        // The floor: KEDA's value, or once the capacity is learned the backlog drained at that capacity.
        let floor = learnedFloor ?? kedaFloor
        value = max(value.isFinite ? value : decision.value, floor)
        decision.report(value)
        decision.isActive = decision.isActive || value > self.reactive.activationThreshold
        decision.prediction = PredictionExplanation(
            forecastRate: forecast, upperRate: upper, predictedBacklog: predicted, model: model,
            leadTimeSeconds: lead, plannedReplicas: planned, capacity: perReplica,
            capacityConfidence: self.capacity.confidence, burstRate: burstRate, learnedFloor: learnedFloor)
        decision.prediction?.burstDue = prewarmRate > 0
        decision.prediction?.servingValue = serving
        decision.prediction?.predictedBacklogError = errors?.predicted
        decision.prediction?.reactiveBacklogError = errors?.reactive
        return decision
    }

    /// Folds one sample's arrival rate into the forecasters, scores the forecasts made a lead time ago and
    /// makes this sample's: the rate since the previous sample, the lead time in samples, the model with
    /// the lowest recent loss, its forecast and that forecast plus the conformal headroom.
    private mutating func forecastAhead(
        _ sample: MetricSample, arrived: Double, since lastTime: Double
    ) -> (rate: Double, steps: Int, model: ForecastModel, forecast: Double, upper: Double) {
        let lead = self.prediction.leadTimeSeconds
        let elapsed = sample.time - lastTime
        let rate = max(arrived - self.lastArrived, 0) / elapsed
        if let consumed = sample.progressed, let lastConsumed = self.lastConsumed {
            let consumption = max(consumed - lastConsumed, 0) / elapsed
            self.lastConsumption = consumption
            self.consumeRate = self.consumeRate.map { $0 + Self.consumptionSmoothing * (consumption - $0) } ?? consumption
        }
        self.interval = self.interval.map { $0 + Self.intervalSmoothing * (elapsed - $0) } ?? elapsed
        self.remember(sample, arrived: arrived)
        self.bank.observe(rate)
        self.arrivals.push(arrived)
        self.times.push(sample.time)

        let steps = min(max(Int((lead / self.interval!).rounded()), 1), Self.maximumSteps)
        self.score(arrived: arrived, time: sample.time, steps: steps)
        self.bank.forecast(steps: steps, into: &self.current)
        for index in 0..<ForecastModel.count { self.pastForecasts[index].push(self.currentForecast(index)) }

        let model = self.chosenModel
        let forecast = self.currentForecast(model.index)
        var headroom = 0.0
        if self.residuals[model.index].count >= Self.minimumResiduals,
            let quantile = self.residuals[model.index].quantile(self.prediction.quantile, scratch: &self.scratch)
        {
            headroom = min(max(quantile, 0), forecast)
        }
        return (rate, steps, model, forecast, forecast + headroom)
    }

    /// Rate mode, once a per-replica capacity is known: the replicas that serve the rate planned for and
    /// drain the predicted backlog within `drainSeconds`, never fewer than the learned floor, as the value
    /// the HPA lands on. Returns that value, the planned replicas, the learned floor's value and the
    /// value that serves the rate planned for alone (what the scale-down hold keeps).
    private mutating func queueingPlan(
        _ sample: MetricSample, forecast: Double, upper: Double, predictedBacklog predicted: Double, burstRate: Double,
        perReplica: Double, lead: Double
    ) -> (value: Double, planned: Int, learnedFloor: Double?, serving: Double) {
        let backlog = sample.waiting
        // Through the HPA, within a remembered burst its median peak is the bound planned for: the
        // residual headroom (widened by the bursts themselves) would plan for more than they reach, and
        // what it adds is held for the scale-down window. A direct scale-up keeps the headroom: it is there
        // at the next sample, where the HPA path needs a sync. Past the remembered duration (the burst is
        // ending) the same holds: the headroom, added when the burst memory stops planning its peak, would
        // ask for more than the peak did.
        let withinBurst = !self.prediction.direct && (burstRate > 0 || self.bursts.inRememberedBurst(at: sample.time))
        // Once the plan knows the load has ended, the forecast decaying from the burst plans nothing: only
        // a burst due (pre-warm) does, and the target goes inactive for KEDA's cooldown.
        let rate = self.loadHasEnded(sample) ? burstRate : withinBurst ? max(forecast, burstRate) : max(upper, burstRate)
        // Less than one message expected before new capacity could be ready: nothing to plan for, so a
        // decaying forecast never keeps the target active (and off zero) for ever.
        let replicas =
            rate * lead + predicted < 1
            ? 0 : PlannerDecision.replicas(value: rate + predicted / self.prediction.drainSeconds, target: perReplica)
        // The replicas the rate alone needs: what stays once the backlog is drained.
        let serving = rate * lead < 1 ? 0 : PlannerDecision.replicas(value: rate, target: perReplica)
        var floor = 0
        var learnedFloor: Double?
        if self.capacity.isLearned {
            // The floor at the learned capacity replaces KEDA's value (a replica per `lagThreshold`
            // messages): the same replicas whatever `lagThreshold` is, within the source's cap.
            floor = PlannerDecision.replicas(value: backlog / PredictionSpec.floorDrainSeconds, target: perReplica)
            floor = self.paced(floor, sample, capacity: perReplica, lead: lead)
            learnedFloor = min(Double(floor) * self.reactive.target, sample.valueCap ?? .infinity)
        }
        let landing = max(replicas, floor)
        return (
            landing == 0 ? 0 : self.valueLanding(on: landing, current: sample.replicas), replicas, learnedFloor,
            serving == 0 ? 0 : self.valueLanding(on: serving, current: sample.replicas)
        )
    }

    /// The floor's replicas as asked for at this sample: with direct scale-up from a backlog source,
    /// paced so that a consumer group's rebalance pause does not raise it at every sample
    /// (``FloorPacing``); otherwise `replicas`.
    private mutating func paced(_ replicas: Int, _ sample: MetricSample, capacity: Double?, lead: Double) -> Int {
        guard self.prediction.direct, self.prediction.followsRebalances, sample.windowSeconds == nil else { return replicas }
        return self.floorPacing.pace(
            replicas, current: sample.replicas.map { min($0, sample.maximumConsumers ?? $0) },
            consumption: self.lastConsumption, capacity: capacity, time: sample.time, lead: lead)
    }

    /// The capacity segments, bursts and forecaster levels learned so far; `nil` with prediction off.
    public var learned: LearnedState? {
        guard self.prediction.enabled else { return nil }
        let bursts = self.bursts.remembered
        return LearnedState(
            capacitySegments: self.capacity.segmentRates, capacitySegmentCount: self.capacity.segmentCount,
            burstPeaks: bursts.peaks, burstDurations: bursts.durations, burstRises: bursts.rises,
            burstGaps: self.bursts.rememberedGaps,
            forecasterLevels: self.bank.levels, lastBurstEnd: self.bursts.lastBurstEnd)
    }

    /// Takes over what an earlier process learned for the same trigger. The caller checks
    /// ``LearnedState/problem`` first; the prior (`messagesPerReplicaPerSecond`) still counts as before.
    public mutating func restore(_ state: LearnedState) {
        guard self.prediction.enabled else { return }
        self.capacity.restore(segmentRates: state.capacitySegments, segmentCount: state.capacitySegmentCount)
        self.bursts.restore(
            peaks: state.burstPeaks, durations: state.burstDurations, rises: state.burstRises, gaps: state.burstGaps,
            lastEnd: state.lastBurstEnd)
        self.bank.restore(levels: state.forecasterLevels)
    }

    /// The value for which the HPA (`ceil(value / target)`, no change within its tolerance of the
    /// current count) lands on `replicas`; when the tolerance would hold the current count, the value
    /// is moved just outside it, rounding towards more replicas.
    func valueLanding(on replicas: Int, current: Int?) -> Double {
        let target = self.reactive.target
        var value = Double(replicas) * target
        guard let current, current > 0, replicas != current else { return value }
        let ratio = Double(replicas) / Double(current)
        let tolerance = HPABehavior.tolerance
        if replicas > current && ratio <= 1 + tolerance {
            value = Double(current) * (1 + tolerance) * target * (1 + 1e-9)
        } else if replicas < current && ratio >= 1 - tolerance {
            value = Double(current) * (1 - tolerance) * target * (1 - 1e-9)
            if PlannerDecision.replicas(value: value, target: target) < replicas { value = Double(replicas) * target }
        }
        return value
    }

    private func currentForecast(_ index: Int) -> Double {
        switch index {
        case 0: return self.current.0
        case 1: return self.current.1
        case 2: return self.current.2
        default: return self.current.3
        }
    }

    private mutating func remember(_ sample: MetricSample, arrived: Double) {
        self.lastTime = sample.time
        self.lastArrived = arrived
        self.lastConsumed = sample.progressed
        if self.arrivals.count == 0 {
            self.arrivals.push(arrived)
            self.times.push(sample.time)
        }
    }

    /// Scores the backlog predicted `steps` samples ago for now, and KEDA's implicit prediction (the
    /// backlog then), against the backlog now; remembers this sample's. `nil` until a prediction is
    /// `steps` samples old, and for windowed sources (`predicted` NaN).
    private mutating func scoreBacklog(predicted: Double, backlog: Double, steps: Int) -> (predicted: Double, reactive: Double)? {
        var errors: (predicted: Double, reactive: Double)?
        if let then = self.pastPredictedBacklogs.value(ago: steps - 1), let backlogThen = self.pastBacklogs.value(ago: steps - 1),
            then.isFinite, predicted.isFinite
        {
            errors = (abs(then - backlog), abs(backlogThen - backlog))
        }
        self.pastPredictedBacklogs.push(predicted)
        self.pastBacklogs.push(backlog)
        return errors
    }

    /// Scores the forecasts made `steps` samples ago against the mean rate that followed.
    private mutating func score(arrived: Double, time: Double, steps: Int) {
        guard let arrivedThen = self.arrivals.value(ago: steps), let timeThen = self.times.value(ago: steps),
            time > timeThen
        else { return }
        let actual = max(arrived - arrivedThen, 0) / (time - timeThen)
        for index in 0..<ForecastModel.count {
            guard let forecast = self.pastForecasts[index].value(ago: steps - 1) else { continue }
            self.losses[index].push(abs(actual - forecast))
            self.residuals[index].push(actual - forecast)
        }
    }
}
