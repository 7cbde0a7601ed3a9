import Logging
import PrescaleCore
import ServiceLifecycle
import Synchronization

/// Reads the ready replicas of the targets whose triggers have a backlog, in the background.
///
/// Only a saturated trigger (one with a backlog) can teach its planner a per-replica capacity, so only
/// ScaledObjects whose triggers reported a backlog in the last ``Configuration/wantedFor`` are read:
/// one GET of the ScaledObject per ``Configuration/scaledObjectRefresh`` and one GET of the target (its
/// `status.readyReplicas`: pods still starting consume nothing, so counting them would understate what
/// one replica consumes) per ``Configuration/interval`` each. It needs `get` on ScaledObjects and on the
/// targets (read-only). A failed read forgets the count, so a planner never learns from a count it
/// cannot vouch for, and is logged once per ScaledObject and kind of failure (and its recovery).
public final class ReplicaWatcher: Service, ReplicaCounts {
    /// The watcher's settings.
    public struct Configuration: Sendable {
        /// How often the replicas of a wanted target are read. Default 2 s.
        public var interval: Duration
        /// How often a ScaledObject is re-read for its target. Default 30 s.
        public var scaledObjectRefresh: Duration
        /// How long a target stays wanted after its trigger last had a backlog. Default 30 s.
        public var wantedFor: Duration

        /// Creates settings with the documented defaults.
        public init(interval: Duration = .seconds(2), scaledObjectRefresh: Duration = .seconds(30), wantedFor: Duration = .seconds(30)) {
            self.interval = interval
            self.scaledObjectRefresh = scaledObjectRefresh
            self.wantedFor = wantedFor
        }
    }

    struct Entry {
        var wantedAt: ContinuousClock.Instant
        var info: (ScaledObjectInfo, ContinuousClock.Instant)?
        var replicas: Int?
        var problem: String?
        var problemCode: KubernetesError.Code?
    }

    /// The settings.
    public let configuration: Configuration
    let api: any ScaleAPI
    let logger: Logger
    private let entries = Mutex<[ScaledObjectKey: Entry]>([:])

    /// Creates a watcher that reads through `api`.
    public init(configuration: Configuration = Configuration(), api: any ScaleAPI, logger: Logger) {
        self.configuration = configuration
        self.api = api
        self.logger = logger
    }

    public func replicas(of key: ScaledObjectKey) -> Int? {
        self.entries.withLock { $0[key]?.replicas }
    }

    public func problem(of key: ScaledObjectKey) -> String? {
        self.entries.withLock { $0[key]?.problem }
    }

    public func scaleDownWindow(of key: ScaledObjectKey) -> Int? {
        self.entries.withLock { $0[key]?.info?.0.scaleDownWindowSeconds }
    }

    public func cooldown(of key: ScaledObjectKey) -> Int? {
        self.entries.withLock { $0[key]?.info?.0.cooldownSeconds }
    }

    public func wanted(_ key: ScaledObjectKey) {
        let now = ContinuousClock.now
        self.entries.withLock { entries in
            if entries[key] == nil {
                entries[key] = Entry(wantedAt: now)
            } else {
                entries[key]!.wantedAt = now
            }
        }
    }

    /// Reads every wanted target once; targets no longer wanted are forgotten.
    public func refresh() async {
        let now = ContinuousClock.now
        let keys = self.entries.withLock { entries -> [(ScaledObjectKey, (ScaledObjectInfo, ContinuousClock.Instant)?)] in
            entries = entries.filter { now - $0.value.wantedAt <= self.configuration.wantedFor }
            return entries.map { ($0.key, $0.value.info) }
        }
        for (key, cached) in keys {
            do throws(KubernetesError) {
                var info = cached
                if info == nil || now - info!.1 >= self.configuration.scaledObjectRefresh {
                    let read = try await self.api.scaledObject(key)
                    self.noteSettings(read, key: key, before: cached?.0)
                    info = (read, now)
                }
                let replicas = try await self.api.readyReplicas(of: info!.0.target, namespace: key.namespace)
                let recovered = self.entries.withLock { entries -> String? in
                    defer {
                        entries[key]?.info = info
                        entries[key]?.replicas = replicas
                        entries[key]?.problem = nil
                        entries[key]?.problemCode = nil
                    }
                    return entries[key]?.problem
                }
                if let recovered {
                    self.logger.notice("reading the ready replicas of \(key)'s target again (was: \(recovered))")
                }
            } catch {
                let problem = "cannot read the ready replicas of \(key)'s target: \(error.message)"
                let isNew = self.entries.withLock { entries -> Bool in
                    let isNew = entries[key] != nil && entries[key]?.problemCode != error.code
                    entries[key]?.info = nil
                    entries[key]?.replicas = nil
                    entries[key]?.problem = problem
                    entries[key]?.problemCode = error.code
                    return isNew
                }
                if isNew {
                    self.logger.warning(
                        "\(problem); its predicting triggers answer with KEDA's value until they know a capacity",
                        metadata: ["scaledObject": "\(key)", "code": "\(error.code)"])
                }
            }
        }
    }

    /// Says once per ScaledObject (and again if it changes) when it keeps replicas longer than what
    /// Prescale's ScaledObjects ship: an HPA scale-down window on top of the value's own hold keeps
    /// replicas for both, and a cooldown longer than a minute keeps an idle target off zero.
    private func noteSettings(_ read: ScaledObjectInfo, key: ScaledObjectKey, before: ScaledObjectInfo?) {
        let cooldown = read.cooldownSeconds
        if cooldown > KEDACooldown.prescaleSeconds, cooldown != before?.cooldownSeconds {
            self.logger.notice(
                "\(key) has a \(cooldown) s cooldownPeriod: an idle target keeps a replica that long; Prescale's ScaledObjects ship \(KEDACooldown.prescaleSeconds) s (deploy/keda/scaledobject-kafka.yaml; prescale migrate adds it)",
                metadata: ["scaledObject": "\(key)", "cooldownSeconds": "\(cooldown)"])
        }
        let window = read.scaleDownWindowSeconds
        let shipped = HPABehavior.prescale.scaleDownStabilizationSeconds
        guard window > shipped, window != before?.scaleDownWindowSeconds else { return }
        self.logger.notice(
            "\(key)'s HPA has a \(window) s scale-down window; Prescale's value already holds replicas up to \(Int(ScaleDownHold.window)) s (less once a recurring burst has ended), so they stay up to \(window + Int(ScaleDownHold.window)) s: set spec.advanced.horizontalPodAutoscalerConfig.behavior as deploy/keda/scaledobject-kafka.yaml does (prescale migrate adds it)",
            metadata: ["scaledObject": "\(key)", "scaleDownWindowSeconds": "\(window)"])
    }

    /// Refreshes every ``Configuration/interval`` until cancelled or gracefully shut down (both are a
    /// normal end, not an error: the only thing that throws in here is the cancelled sleep).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                try await Task.sleep(for: self.configuration.interval)
            }
        }
    }
}
