import PrescaleCore
import Synchronization

/// One live trigger: its parsed spec, its source, its planner and the latest answer.
///
/// RPC handlers read ``currentDecision()`` from memory; the source's background task writes through
/// ``publish(_:)`` and ``fail(_:)``. Both sides meet under one short lock.
public final class Trigger: SampleSink, Sendable {
    struct State {
        var planner: any Planner
        var status: TriggerStatus = .pending
        var watchers: [Int: AsyncStream<TriggerStatus>.Continuation] = [:]
        var nextWatcherID = 0
        var watchersClosed = false
        /// Calls waiting for the first sample (``Trigger/awaitFirstStatus(atMost:)``), woken when the
        /// status leaves `.pending`.
        var firstStatusWaiters: [Int: AsyncStream<Void>.Continuation] = [:]
    }

    /// What identifies the trigger.
    public let key: TriggerKey
    /// The parsed metadata.
    public let spec: TriggerSpec
    /// Where samples come from.
    let source: any MetricSource
    /// Told about status changes (metrics gauges).
    let observer: (any TriggerObserver)?
    /// Where decisions go when the trigger has `actuate: "true"`.
    let actuator: (any ActuationDemands)?
    /// Where the target's replica count comes from, for a predicting trigger.
    let replicaCounts: (any ReplicaCounts)?
    /// This trigger's name among its ScaledObject's triggers, for the actuator.
    let actuationID: String
    /// The ConfigMap data key its learned state is kept under: `t-<hash of namespace, name, metadata>`.
    let learnedKey: String
    /// `<namespace>/<scaledobject>/<metric>`, stored with the learned state and checked when it is read back.
    var learnedIdentity: String { "\(self.key.namespace)/\(self.key.name)/\(self.spec.metricName)" }

    let state: Mutex<State>
    /// Whether the last sample found a replica source: -1 not yet reported, 0 no, 1 yes.
    private let replicaSourceReported = Atomic<Int8>(-1)
    private let readyReplicasReported = Atomic<Int>(-1)
    private let scaleDownWindowReported = Atomic<Int>(-1)
    private let cooldownReported = Atomic<Int>(-1)
    private let lastAccess: Atomic<Int64>
    private let stopStream: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    /// Creates a trigger; the initial sample, if the source has one, is applied at once.
    init(
        key: TriggerKey,
        spec: TriggerSpec,
        source: any MetricSource,
        planner: any Planner,
        observer: (any TriggerObserver)?,
        actuator: (any ActuationDemands)? = nil,
        replicaCounts: (any ReplicaCounts)? = nil,
        now: Int64
    ) {
        self.key = key
        self.spec = spec
        self.source = source
        self.observer = observer
        self.actuator = spec.actuate ? actuator : nil
        self.replicaCounts = spec.prediction?.enabled == true ? replicaCounts : nil
        // The ScaledObject is the actuator's key; within it, the metric name and a hash of the metadata
        // tell its triggers apart, identically on every replica and after every restart.
        self.actuationID = Self.actuationID(metricName: spec.metricName, metadata: key.metadata)
        self.learnedKey = Self.learnedKey(key)
        self.state = Mutex(State(planner: planner))
        self.lastAccess = Atomic(now)
        (self.stopStream, self.stopContinuation) = AsyncStream.makeStream(of: Void.self)
        if let sample = source.initialSample {
            self.publish(sample)
        } else {
            observer?.update(.pending)
        }
    }

    /// `<metric>#<FNV-1a of the sorted metadata, hex>`: stable across processes (never `hashValue`, which
    /// Swift seeds per process).
    static func actuationID(metricName: String, metadata: [String: String]) -> String {
        "\(metricName)#\(String(StableHash.fnv1a(metadata), radix: 16))"
    }

    /// `t-<FNV-1a of namespace, name and sorted metadata, hex>`: a valid ConfigMap key of fixed length.
    static func learnedKey(_ key: TriggerKey) -> String {
        var identity = key.metadata
        identity["\u{0}namespace"] = key.namespace
        identity["\u{0}name"] = key.name
        return "t-" + String(StableHash.fnv1a(identity), radix: 16)
    }

    /// What the planner learned, if anything worth keeping, under this trigger's key.
    var learnedRecord: LearnedStateRecord? {
        guard let learned = self.state.withLock({ $0.planner.learned }), learned.isWorthKeeping else { return nil }
        // Stored on the wall clock: the next process's sample clock starts again at zero.
        return LearnedStateRecord(
            key: self.learnedKey, identity: self.learnedIdentity, state: learned.shiftingClock(by: MonotonicTime.wallClockOffset()))
    }

    // MARK: Reading (RPC handlers)

    /// The latest decision, or `UNAVAILABLE` when there is none or it is stale.
    public func currentDecision(at now: Double = MonotonicTime.now()) throws(ScalerError) -> PlannerDecision {
        let status = self.state.withLock { $0.status }
        switch status {
        case .pending:
            throw .unavailable(
                SourceFailure(.noSampleYet, "no sample yet from the \(self.spec.kind.rawValue) source for \(self.key)")
            )
        case .failed(let failure):
            throw .unavailable(failure)
        case .ready(let decision):
            if let bound = self.source.staleAfter {
                let age = now - decision.sampleTime
                if age > bound.inSeconds {
                    throw .unavailable(
                        SourceFailure(
                            .stale,
                            "latest sample from the \(self.spec.kind.rawValue) source for \(self.key) is "
                                + "\(Int(age)) s old (staleness bound \(Int(bound.inSeconds)) s)"
                        )
                    )
                }
            }
            return decision
        }
    }

    /// The current status, without staleness checks.
    public var status: TriggerStatus {
        self.state.withLock { $0.status }
    }

    /// Records that KEDA asked about this trigger.
    func touch(_ now: Int64) {
        self.lastAccess.store(now, ordering: .relaxed)
        self.observer?.requested()
    }

    /// When KEDA last asked, in registry clock nanoseconds.
    var lastAccessTime: Int64 {
        self.lastAccess.load(ordering: .relaxed)
    }

    // MARK: Writing (source task)

    public func publish(_ sample: MetricSample) {
        let decidedAt = ContinuousClock.now
        var sample = sample
        if self.spec.prediction?.enabled == true, sample.replicas == nil {
            // The target's ready replicas as last read from the cluster: what lets the planner learn the
            // capacity of one replica. Only a backlog makes them worth reading.
            var available = false
            if let replicaCounts = self.replicaCounts {
                if (sample.backlog ?? 0) > 0 { replicaCounts.wanted(self.scaledObjectKey) }
                sample.replicas = replicaCounts.replicas(of: self.scaledObjectKey)
                available = replicaCounts.problem(of: self.scaledObjectKey) == nil
                if let ready = sample.replicas, self.readyReplicasReported.exchange(ready, ordering: .relaxed) != ready {
                    self.observer?.readyReplicas(ready)
                }
            }
            let reported: Int8 = available ? 1 : 0
            if self.replicaSourceReported.exchange(reported, ordering: .relaxed) != reported {
                self.observer?.replicaSource(available: available)
            }
            if let window = self.replicaCounts?.scaleDownWindow(of: self.scaledObjectKey),
                let cooldown = self.replicaCounts?.cooldown(of: self.scaledObjectKey)
            {
                let windowChanged = self.scaleDownWindowReported.exchange(window, ordering: .relaxed) != window
                let cooldownChanged = self.cooldownReported.exchange(cooldown, ordering: .relaxed) != cooldown
                if windowChanged || cooldownChanged {
                    self.observer?.scaledObjectSettings(scaleDownWindow: window, cooldown: cooldown)
                }
            }
        }
        let status = self.update { state in
            let decision = state.planner.decide(sample)
            if decision.value.isNaN {
                return .failed(SourceFailure(.invalidValue, "the \(self.spec.kind.rawValue) source for \(self.key) produced NaN"))
            }
            return .ready(decision)
        }
        // Every new decision reaches the actuator, not only KEDA's polls: that is the point of it.
        if let actuator = self.actuator, case .ready(let decision) = status {
            actuator.submit(
                ActuationDemand(
                    scaledObject: self.scaledObjectKey,
                    trigger: self.actuationID,
                    value: decision.value,
                    target: decision.target,
                    isActive: decision.isActive,
                    decidedAt: decidedAt,
                    decision: decision
                )
            )
        }
    }

    var scaledObjectKey: ScaledObjectKey {
        ScaledObjectKey(namespace: self.key.namespace, name: self.key.name)
    }

    public func fail(_ failure: SourceFailure) {
        self.update { _ in .failed(failure) }
    }

    @discardableResult
    private func update(_ body: (inout State) -> TriggerStatus) -> TriggerStatus {
        let (status, wake, waiters) = self.state.withLock {
            state -> (TriggerStatus, [AsyncStream<TriggerStatus>.Continuation], [AsyncStream<Void>.Continuation]) in
            let old = state.status.signature
            let wasPending = state.status == .pending
            state.status = body(&state)
            let wake = state.status.signature == old ? [] : Array(state.watchers.values)
            var waiters: [AsyncStream<Void>.Continuation] = []
            if wasPending, state.status != .pending, !state.firstStatusWaiters.isEmpty {
                waiters = Array(state.firstStatusWaiters.values)
                state.firstStatusWaiters.removeAll()
            }
            return (state.status, wake, waiters)
        }
        for watcher in wake { watcher.yield(status) }
        for waiter in waiters { waiter.finish() }
        self.observer?.update(status)
        return status
    }

    // MARK: Lifecycle

    /// Runs the source until the trigger is stopped or the task is cancelled.
    func runSource() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await self.source.run(into: self)
                } catch  where !Task.isCancelled {
                    self.fail(SourceFailure(.other, "the \(self.spec.kind.rawValue) source stopped: \(error)"))
                } catch {}
            }
            group.addTask {
                for await _ in self.stopStream {}
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Stops the source task and ends every watcher stream.
    func stop() {
        self.actuator?.withdraw(self.scaledObjectKey, trigger: self.actuationID)
        self.stopContinuation.finish()
        self.closeWatchers()
        self.observer?.release()
    }
}
