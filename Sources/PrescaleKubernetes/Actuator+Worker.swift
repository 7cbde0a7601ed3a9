import Logging
import PrescaleCore

/// One ScaledObject's actuation loop: woken by each new decision, it reads what it must and patches
/// when the desired count is above the current one. Its state (the ScaledObject, the last read
/// replica count, the last patch) is private to its task.
struct ActuationWorker {
    let actuator: Actuator
    let key: ScaledObjectKey
    var scaledObject: (info: ScaledObjectInfo, readAt: ContinuousClock.Instant)?
    var current: (replicas: Int, readAt: ContinuousClock.Instant)?
    var lastPatch: ContinuousClock.Instant?
    var backoff: ReconnectBackoff

    init(actuator: Actuator, key: ScaledObjectKey) {
        self.actuator = actuator
        self.key = key
        self.backoff = actuator.configuration.retryBackoff
    }

    /// What to do after one pass.
    enum Next {
        /// Wait for the next decision.
        case wait
        /// Pass again after the delay, on the latest decision (retryable failure, rate limit).
        case again(after: Duration)
        /// Wait at least the delay, then for the next decision (a failure only a person can fix).
        case pause(Duration)
    }

    mutating func run(_ wake: AsyncStream<Void>) async {
        for await _ in wake {
            var next = await self.pass()
            while case .again(let delay) = next {
                do { try await Task.sleep(for: delay) } catch { return }
                next = await self.pass()
            }
            if case .pause(let delay) = next {
                do { try await Task.sleep(for: delay) } catch { return }
            }
        }
    }

    /// One decision: refresh what is stale, decide, maybe patch.
    mutating func pass() async -> Next {
        let observer = self.actuator.observer
        guard self.actuator.leadership.isLeader else {
            observer?.skipped(self.key, reason: .notLeader)
            return .wait
        }
        guard self.actuator.hasActiveDemand(self.key) else {
            observer?.skipped(self.key, reason: .inactive)
            return .wait
        }
        do {
            let info = try await self.scaledObjectInfo()
            guard let (demand, desired) = self.actuator.strongestDemand(self.key, bounds: info.bounds) else { return .wait }
            let now = ContinuousClock.now
            if let cached = self.current, now - cached.readAt < self.actuator.configuration.replicaCacheTime, desired <= cached.replicas {
                observer?.replicas(self.key, current: cached.replicas, desired: desired)
                observer?.skipped(self.key, reason: .notAboveCurrent)
                return .wait
            }
            let replicas = try await self.actuator.api.replicas(of: info.target, namespace: self.key.namespace)
            self.current = (replicas, .now)
            observer?.replicas(self.key, current: replicas, desired: desired)
            switch self.actuator.rule.decide(desired: desired, current: replicas) {
            case .skip(let reason):
                observer?.skipped(self.key, reason: reason)
                self.backoff.reset()
                return .wait
            case .patch(let count):
                if let last = self.lastPatch, ContinuousClock.now - last < self.actuator.configuration.minimumPatchInterval {
                    observer?.skipped(self.key, reason: .rateLimited)
                    return .again(after: self.actuator.configuration.minimumPatchInterval - (ContinuousClock.now - last))
                }
                try await self.patch(count, from: replicas, info: info, demand: demand)
                self.backoff.reset()
                return .wait
            }
        } catch {
            return self.failed(error)
        }
    }

    mutating func scaledObjectInfo() async throws(KubernetesError) -> ScaledObjectInfo {
        if let cached = self.scaledObject, ContinuousClock.now - cached.readAt < self.actuator.configuration.scaledObjectRefresh {
            return cached.info
        }
        let info = try await self.actuator.api.scaledObject(self.key)
        if let old = self.scaledObject?.info, old != info {
            self.actuator.logger.info(
                "ScaledObject changed",
                metadata: ["scaledobject": "\(self.key)", "target": "\(info.target)", "bounds": "\(info.bounds)"]
            )
            self.current = nil
        }
        self.scaledObject = (info, .now)
        return info
    }

    mutating func patch(_ count: Int, from replicas: Int, info: ScaledObjectInfo, demand: ActuationDemand) async throws(KubernetesError) {
        let metadata: Logger.Metadata = [
            "scaledobject": "\(self.key)", "target": "\(info.target)", "from": "\(replicas)", "to": "\(count)",
            "value": "\(demand.value)", "trigger": "\(demand.trigger)",
        ]
        if self.actuator.configuration.mode == .dryRun {
            self.lastPatch = .now
            self.actuator.observer?.wouldPatch(self.key, replicas: count)
            self.actuator.logger.notice("dry run: would scale up", metadata: metadata)
            return
        }
        try await self.actuator.api.setReplicas(count, of: info.target, namespace: self.key.namespace)
        let done = ContinuousClock.now
        self.lastPatch = done
        self.current = (count, done)
        self.actuator.observer?.patched(self.key, replicas: count, latency: done - demand.decidedAt)
        self.actuator.logger.info("scaled up", metadata: metadata)
        let event = ScaleUpEvent(
            namespace: self.key.namespace, target: info.target, scaledObject: self.key.name, from: replicas, to: count,
            reason: demand.reason)
        do {
            try await self.actuator.api.recordScaleUp(event)
        } catch {
            // The patch stands; only the explanation is lost (typically RBAC without `create events`).
            self.actuator.logger.warning(
                "scaled up, but the Event on the target could not be created",
                metadata: ["scaledobject": "\(self.key)", "code": "\(error.code)", "error": "\(error.message)"])
        }
    }

    mutating func failed(_ error: KubernetesError) -> Next {
        self.actuator.observer?.failed(self.key, code: error.code.description)
        if error.code == .notFound {
            // The ScaledObject or its target went away or was renamed: read it again next time.
            self.scaledObject = nil
        }
        let delay = self.backoff.next()
        self.actuator.logger.warning(
            "actuation failed",
            metadata: ["scaledobject": "\(self.key)", "code": "\(error.code)", "error": "\(error.message)", "retryIn": "\(delay)"]
        )
        return error.isRetryable ? .again(after: delay) : .pause(delay)
    }
}
