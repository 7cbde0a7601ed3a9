/// The scale-down stabilisation of a Prescale trigger, carried in its value instead of the HPA's window.
///
/// The HPA's scale-down window keeps the highest recommendation of its last N seconds, whatever made it:
/// a burst that has ended and been drained keeps its replicas for the whole window, and a plan that
/// knows the load is gone cannot say so. Prescale's ScaledObjects therefore ship no scale-down window
/// (``HPABehavior/prescale``) and the value itself is held: it reports the highest value of the last
/// ``window`` seconds (what the HPA's window did, so a trigger behaves as before by default), until the
/// planner releases the hold because it knows the load has ended (``PredictivePlanner``). The value
/// then falls to what the plan asks for now, and the HPA follows at its next sync.
///
/// A value is held once it has lasted two samples: a one-sample spike is reported but not held, as the
/// HPA, reading the value once per sync, would most likely not have seen it. Values are kept as the
/// maximum per ``bucketSeconds`` bucket: fixed storage, O(1) per sample, no allocation.
public struct ScaleDownHold: Sendable, Hashable {
    /// Seconds a value is held after it was last reached through the HPA: the scale-down window
    /// Prescale's ScaledObjects shipped in the HPA before the value carried it.
    public static let window = 60.0
    /// HPA syncs a value is held with direct scale-up (`actuate: "true"`), where capacity comes back one
    /// sample and a cold start after it is asked for: one sync for the HPA to read a rise and one more
    /// before it may act on a fall (30 s with the default sync). Simulated on the shared traces: up to
    /// 30% fewer replica-seconds than ``window``; a hold of one sync lets the HPA undo 4-6 direct
    /// scale-ups per trace.
    public static let directSyncs = 2.0
    /// HPA syncs a value is held when Prescale lowers the replicas itself
    /// (``PredictionSpec/lowersReplicas``): no sync has to read a rise, so one sync of stabilisation.
    public static let ownedSyncs = 1.0

    /// The seconds a planner with `prediction` holds its value, `lowering` when Prescale lowers the
    /// replicas to it itself.
    public static func seconds(for prediction: PredictionSpec, lowering: Bool) -> Double {
        guard prediction.direct else { return Self.window }
        return min((lowering ? Self.ownedSyncs : Self.directSyncs) * prediction.hpaSyncPeriod, Self.window)
    }
    /// Width of one bucket of the sliding maximum with the HPA's default sync: one HPA sync period. A
    /// value is held until ``window`` after its bucket began, so for 45 to 60 s (measured on the shared
    /// traces, 5 s buckets held to a full minute cost 1-9% more replica-seconds for no better p99).
    public static let bucketSeconds = PredictionSpec.defaultHPASyncSeconds

    /// The seconds this hold keeps a value (``seconds(for:lowering:)``), at most ``window``: set between
    /// samples when Prescale starts or stops lowering the replicas itself (``PredictivePlanner``).
    public var seconds: Double
    /// The HPA's sync period: the width of a bucket, and how long a risen value is kept.
    public let syncSeconds: Double
    private let bucketCount: Int

    private var maxima: [Double]
    private var starts: [Double]
    private var previous = 0.0
    private var riseValue = 0.0
    private var riseStart = -Double.infinity
    private var riseUntil = -Double.infinity

    /// Creates an empty hold that keeps values `seconds` (at most ``window``) for an HPA that syncs every
    /// `syncSeconds` (1 to ``window``).
    public init(seconds: Double = ScaleDownHold.window, syncSeconds: Double = PredictionSpec.defaultHPASyncSeconds) {
        self.seconds = min(seconds, Self.window)
        self.syncSeconds = min(max(syncSeconds, 1), Self.window)
        self.bucketCount = Int((Self.window / self.syncSeconds).rounded(.up)) + 1
        self.maxima = Array(repeating: 0, count: self.bucketCount)
        self.starts = Array(repeating: -Double.infinity, count: self.bucketCount)
    }

    /// Folds in the value at `time` and returns the value to report: this one, or the highest that
    /// lasted two samples in a bucket that began within the last ``seconds``, if that is higher.
    public mutating func apply(time: Double, value: Double) -> Double {
        let bucket = (time / self.syncSeconds).rounded(.down)
        let count = Double(self.bucketCount)
        let index = Int((bucket.truncatingRemainder(dividingBy: count) + count).truncatingRemainder(dividingBy: count))
        let start = bucket * self.syncSeconds
        let lasting = min(value, self.previous)
        self.previous = value
        if self.starts[index] != start {
            self.starts[index] = start
            self.maxima[index] = lasting
        } else {
            self.maxima[index] = max(self.maxima[index], lasting)
        }
        var held = value
        for slot in 0..<self.bucketCount where self.starts[slot] > time - self.seconds {
            held = max(held, self.maxima[slot])
        }
        return held
    }

    /// Folds in `decision`'s value and reports the held value instead when it is higher. Once the plan
    /// says which part of the value serves the arrival rate (``PredictionExplanation/servingValue``), only
    /// that part is held: replicas asked for to drain a backlog are not needed once it is drained.
    public mutating func hold(_ decision: inout PlannerDecision) {
        let kept = min(decision.prediction?.servingValue ?? decision.value, decision.value)
        let held = self.apply(time: decision.sampleTime, value: kept)
        if held > decision.value { decision.report(held) }
    }

    /// A risen value kept for one HPA sync (``syncSeconds``, its last sample included),
    /// so that the HPA reads it at least once: a direct scale-up (`actuate: "true"`) is not an HPA recommendation, and were the
    /// value to drop before the HPA's next sync, that sync would scale the target back down. Returns
    /// `value`, or the value risen to within the last sync when that is higher.
    public mutating func keepRise(time: Double, value: Double) -> Double {
        guard value < self.riseValue, time <= self.riseUntil else {
            if value > self.riseValue || time > self.riseUntil { self.riseStart = time }
            self.riseValue = value
            self.riseUntil = time + self.syncSeconds
            return value
        }
        return self.riseValue
    }

    /// Forgets every value held: the next ``apply(time:value:)`` reports its own value, and a kept
    /// rise is kept only until one sync after it rose (the HPA has read it by then; a value that stayed
    /// no longer renews it).
    public mutating func release() {
        for slot in 0..<self.bucketCount { self.starts[slot] = -Double.infinity }
        self.previous = 0
        self.riseUntil = min(self.riseUntil, self.riseStart + self.syncSeconds)
    }
}
