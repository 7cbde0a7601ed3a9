import PrescaleCore
import PrescaleServices
import ServiceLifecycle
import Synchronization

/// Every trigger Prescale is serving, keyed by ``TriggerKey``.
///
/// Metadata is parsed once, when a key is first seen; after that an RPC costs one dictionary lookup
/// under a lock. Each trigger's source runs as a child task of ``run()``, so sources live inside the
/// registry's structured task tree and stop with it. Idle triggers are evicted.
///
/// ```swift
/// let registry = TriggerRegistry(sources: BuiltInSourceFactory(kafka: kafkaPool, mqtt: mqttPool))
/// let trigger = try registry.trigger(namespace: "shop", name: "orders", metadata: ["source": "static", …])
/// let decision = try trigger.currentDecision()
/// ```
public final class TriggerRegistry: Service, Sendable {
    private struct State {
        var triggers: [TriggerKey: Trigger] = [:]
        var perNamespace: [String: Int] = [:]
        var draining = false
    }

    /// The registry's settings.
    public let configuration: Configuration
    private let sources: any MetricSourceFactory
    private let observers: (any TriggerObserverFactory)?
    private let actuator: (any ActuationDemands)?
    private let replicaCounts: (any ReplicaCounts)?
    private let learnedStates: (any LearnedStateStorage)?
    private let state = Mutex(State())
    private let sourceTasks = ChildTasks<Trigger>()
    /// Time since the registry was created: the time base of last-access stamps.
    private let uptime: @Sendable () -> Duration

    /// Creates a registry that builds sources with `sources` and reports trigger status to `observers`.
    /// Triggers with `actuate: "true"` send their decisions to `actuator`; without one (`--actuation
    /// disabled`) such triggers are refused. Predicting triggers read their target's replica count
    /// from `replicaCounts`, to learn the capacity of one replica, and start from what `learnedStates`
    /// kept of an earlier process's learning.
    public convenience init(
        configuration: Configuration = Configuration(),
        sources: any MetricSourceFactory,
        observers: (any TriggerObserverFactory)? = nil,
        actuator: (any ActuationDemands)? = nil,
        replicaCounts: (any ReplicaCounts)? = nil,
        learnedStates: (any LearnedStateStorage)? = nil
    ) {
        let origin = ContinuousClock.now
        self.init(
            configuration: configuration, sources: sources, observers: observers, actuator: actuator,
            replicaCounts: replicaCounts, learnedStates: learnedStates, uptime: { ContinuousClock.now - origin }
        )
    }

    /// Creates a registry whose idle times are measured with `uptime` (tests step it by hand).
    init(
        configuration: Configuration,
        sources: any MetricSourceFactory,
        observers: (any TriggerObserverFactory)?,
        actuator: (any ActuationDemands)?,
        replicaCounts: (any ReplicaCounts)?,
        learnedStates: (any LearnedStateStorage)? = nil,
        uptime: @escaping @Sendable () -> Duration
    ) {
        self.learnedStates = learnedStates
        self.uptime = uptime
        self.configuration = configuration
        self.sources = sources
        self.observers = observers
        self.actuator = actuator
        self.replicaCounts = replicaCounts
    }

    /// Nanoseconds since the registry was created; the time base of last-access stamps.
    private func nowNanos() -> Int64 {
        self.uptime().inNanoseconds
    }

    /// The trigger for a ScaledObject's trigger metadata, created on first use.
    ///
    /// - Throws: `invalidArgument` for bad metadata, `unavailable` while draining,
    ///   `resourceExhausted` past ``Configuration/maximumTriggers``.
    public func trigger(namespace: String, name: String, metadata: [String: String]) throws(ScalerError) -> Trigger {
        if metadata.count > self.configuration.maximumMetadataKeys {
            throw ScalerError(
                .resourceExhausted,
                "the trigger's metadata has \(metadata.count) keys; the limit is \(self.configuration.maximumMetadataKeys) (--max-metadata-keys)"
            )
        }
        let key = TriggerKey(namespace: namespace, name: name, metadata: metadata)
        let now = self.nowNanos()
        if let existing = self.state.withLock({ $0.triggers[key] }) {
            existing.touch(now)
            return existing
        }
        return try self.create(key: key, now: now)
    }

    private func create(key: TriggerKey, now: Int64) throws(ScalerError) -> Trigger {
        let bytes = key.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        if bytes > self.configuration.maximumMetadataBytes {
            throw ScalerError(
                .resourceExhausted,
                "the trigger's metadata is \(bytes) bytes; the limit is \(self.configuration.maximumMetadataBytes) (--max-metadata-bytes)"
            )
        }
        var spec: TriggerSpec
        do {
            spec = try self.configuration.tenantPolicy.apply(to: try TriggerSpec(metadata: key.metadata), namespace: key.namespace)
        } catch {
            throw .invalidMetadata(error)
        }
        spec.prediction?.hpaSyncPeriod = self.configuration.hpaSyncSeconds
        if spec.actuate && self.actuator == nil {
            throw .invalidMetadata(
                MetadataError(
                    .invalidValue,
                    key: "actuate",
                    value: key.metadata["actuate"],
                    allowed:
                        "\"false\" on this server: direct actuation needs prescale serve --actuation enabled or dry-run (it runs with auto, disabled or read-only, which patch nothing)"
                )
            )
        }
        let source = try self.sources.makeSource(for: spec, namespace: key.namespace)
        let observer = self.observers?.makeObserver(key: key, spec: spec)
        var planner = spec.makePlanner()
        if let saved = self.learnedStates?.saved(key: Trigger.learnedKey(key), identity: "\(key.namespace)/\(key.name)/\(spec.metricName)")
        {
            planner.restore(saved.shiftingClock(by: -MonotonicTime.wallClockOffset()))
        }
        let candidate = Trigger(
            key: key,
            spec: spec,
            source: source,
            planner: planner,
            observer: observer,
            actuator: self.actuator,
            replicaCounts: self.replicaCounts,
            now: now
        )
        let outcome = self.state.withLock { state -> Result<(Trigger, Bool), ScalerError> in
            if state.draining {
                return .failure(ScalerError(.unavailable, "prescale is shutting down"))
            }
            if let raced = state.triggers[key] { return .success((raced, false)) }
            if state.triggers.count >= self.configuration.maximumTriggers {
                return .failure(
                    ScalerError(
                        .resourceExhausted,
                        "trigger limit reached: prescale serves at most \(self.configuration.maximumTriggers) "
                            + "triggers (--max-triggers)"
                    )
                )
            }
            if state.perNamespace[key.namespace, default: 0] >= self.configuration.maximumTriggersPerNamespace {
                return .failure(
                    ScalerError(
                        .resourceExhausted,
                        "trigger limit reached for namespace \(key.namespace): at most "
                            + "\(self.configuration.maximumTriggersPerNamespace) triggers per namespace (--max-triggers-per-namespace)"
                    )
                )
            }
            state.perNamespace[key.namespace, default: 0] += 1
            state.triggers[key] = candidate
            return .success((candidate, true))
        }
        switch outcome {
        case .failure(let error):
            observer?.release()
            throw error
        case .success((let trigger, let inserted)):
            if inserted {
                trigger.observer?.requested()
                self.sourceTasks.start(trigger)
            } else {
                observer?.release()
                trigger.touch(now)
            }
            return trigger
        }
    }

    /// How many triggers are live.
    public var count: Int {
        self.state.withLock { $0.triggers.count }
    }

    /// What each live predicting trigger has learned that is worth keeping.
    public func learnedRecords() -> [LearnedStateRecord] {
        let triggers = self.state.withLock { Array($0.triggers.values) }
        return triggers.compactMap(\.learnedRecord)
    }

    /// Live trigger counts per source kind.
    public func countsBySource() -> [SourceKind: Int] {
        self.state.withLock { state in
            var counts: [SourceKind: Int] = [:]
            for trigger in state.triggers.values { counts[trigger.spec.kind, default: 0] += 1 }
            return counts
        }
    }

    /// Evicts triggers idle for longer than the idle timeout; returns how many went.
    @discardableResult
    public func evictIdle() -> Int {
        let now = self.nowNanos()
        let idleNanos = self.configuration.idleTimeout.inNanoseconds
        let evicted = self.state.withLock { state -> [Trigger] in
            let idle = state.triggers.filter { _, trigger in
                now - trigger.lastAccessTime > idleNanos && trigger.watcherCount == 0
            }
            for key in idle.keys {
                state.triggers.removeValue(forKey: key)
                state.perNamespace[key.namespace, default: 1] -= 1
                if state.perNamespace[key.namespace] == 0 { state.perNamespace.removeValue(forKey: key.namespace) }
            }
            return Array(idle.values)
        }
        for trigger in evicted { trigger.stop() }
        return evicted.count
    }

    /// Ends every push stream and refuses new triggers. Called first on graceful shutdown, so that
    /// streaming handlers return cleanly before the gRPC server drains.
    public func beginDraining() {
        let triggers = self.state.withLock { state in
            state.draining = true
            return Array(state.triggers.values)
        }
        for trigger in triggers { trigger.closeWatchers() }
    }

    /// Whether ``beginDraining()`` has been called.
    public var isDraining: Bool {
        self.state.withLock { $0.draining }
    }

    /// Runs every trigger's source and the idle sweep until cancelled or gracefully shut down.
    public func run() async throws {
        await self.sourceTasks.run(
            alongside: {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: self.configuration.sweepInterval)
                    } catch {
                        return
                    }
                    self.evictIdle()
                }
            },
            each: { trigger in await trigger.runSource() }
        )
        let remaining = self.state.withLock { state in
            defer {
                state.triggers.removeAll()
                state.perNamespace.removeAll()
            }
            return Array(state.triggers.values)
        }
        for trigger in remaining { trigger.stop() }
    }
}

/// Makes a ``TriggerObserver`` for each new trigger (the Prometheus gauges), or `nil` past a cap.
public protocol TriggerObserverFactory: Sendable {
    /// The observer for a new trigger.
    func makeObserver(key: TriggerKey, spec: TriggerSpec) -> (any TriggerObserver)?
}
