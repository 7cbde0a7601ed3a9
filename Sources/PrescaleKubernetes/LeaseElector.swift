import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Leader election on a `coordination.k8s.io/v1` Lease, as Kubernetes controllers do it: only the
/// holder actuates; the other replicas serve KEDA and take over when the lease expires.
///
/// Expiry is judged on this replica's own clock: a lease is expired when its record has not changed
/// for `leaseDuration` since this replica last saw it change, so clock skew between nodes does not
/// matter. A holder that cannot renew for `renewDeadline` stops actuating before anyone can take
/// over. On graceful shutdown the holder releases the lease so that a successor takes over at once.
public final class LeaseElector: Service, ActuationLeadership {
    /// The elector's settings.
    public struct Configuration: Sendable {
        /// The Lease's namespace (default: Prescale's own).
        public var namespace: String
        /// The Lease's name. Default `prescale-actuator`.
        public var name: String
        /// This replica's identity, unique among replicas (the pod name). Default: the host name.
        public var identity: String
        /// How long a lease lasts without renewal. Default 15 s.
        public var leaseDuration: Duration
        /// How long a holder keeps acting without a successful renewal. Default 10 s.
        public var renewDeadline: Duration
        /// How often to renew or try to acquire. Default 2 s.
        public var retryPeriod: Duration

        /// Creates settings with the documented defaults (client-go's own: 15 s, 10 s, 2 s).
        public init(
            namespace: String,
            name: String = "prescale-actuator",
            identity: String = ProcessInfo.processInfo.hostName,
            leaseDuration: Duration = .seconds(15),
            renewDeadline: Duration = .seconds(10),
            retryPeriod: Duration = .seconds(2)
        ) {
            self.namespace = namespace
            self.name = name
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = min(renewDeadline, leaseDuration)
            self.retryPeriod = retryPeriod
        }
    }

    private struct State {
        var observed: LeaseRecord?
        var observedAt: ContinuousClock.Instant = .now
        var lastRenewal: ContinuousClock.Instant?
        var acquiredAt: Date?
    }

    /// The settings.
    public let configuration: Configuration
    private let api: any LeaseAPI
    private let logger: Logger
    private let onChange: (@Sendable (Bool) -> Void)?
    private let now: @Sendable () -> ContinuousClock.Instant
    private let leading = Atomic<Bool>(false)
    private let state = Mutex(State())
    /// Gains and losses of the lease, for the actuator.
    public let changes: AsyncStream<Bool>
    private let changeContinuation: AsyncStream<Bool>.Continuation

    /// Creates an elector; `onChange` hears every gain and loss of leadership (metrics). `now` is the
    /// clock expiry and the renew deadline are judged on (tests advance it instead of sleeping).
    public init(
        configuration: Configuration, api: any LeaseAPI, logger: Logger, onChange: (@Sendable (Bool) -> Void)? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.configuration = configuration
        self.api = api
        self.logger = logger
        self.onChange = onChange
        self.now = now
        (self.changes, self.changeContinuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
    }

    public var isLeader: Bool { self.leading.load(ordering: .acquiring) }

    /// Tries to acquire or renew every retry period until shut down; then releases a held lease.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await self.attempt()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.retryPeriod) }
            } catch {
                break
            }
        }
        await self.release()
    }

    private func setLeading(_ value: Bool) {
        let old = self.leading.exchange(value, ordering: .acquiringAndReleasing)
        guard old != value else { return }
        self.logger.notice(
            value ? "acquired the actuation lease: this replica actuates" : "lost the actuation lease: another replica actuates",
            metadata: ["lease": "\(self.configuration.namespace)/\(self.configuration.name)", "identity": "\(self.configuration.identity)"]
        )
        self.onChange?(value)
        self.changeContinuation.yield(value)
    }

    /// One round: create, renew or take over the lease.
    func attempt() async {
        let config = self.configuration
        let now = self.now()
        do {
            guard let record = try await self.api.lease(namespace: config.namespace, name: config.name) else {
                let acquired = Date()
                let created = try await self.api.createLease(
                    LeaseRecord(holder: config.identity, durationSeconds: Self.seconds(config.leaseDuration)),
                    namespace: config.namespace, name: config.name, acquired: acquired
                )
                self.state.withLock { $0 = State(observed: created, observedAt: now, lastRenewal: now, acquiredAt: acquired) }
                self.setLeading(true)
                return
            }
            let (changed, observedAt, acquiredAt) = self.state.withLock { state -> (Bool, ContinuousClock.Instant, Date?) in
                let changed = state.observed != record
                if changed {
                    state.observed = record
                    state.observedAt = now
                }
                return (changed, state.observedAt, state.acquiredAt)
            }
            if record.holder == config.identity {
                // Ours: renew, keeping acquireTime.
                var renewed = record
                renewed.durationSeconds = Self.seconds(config.leaseDuration)
                let stored = try await self.api.updateLease(
                    renewed, namespace: config.namespace, name: config.name, acquired: acquiredAt ?? Date())
                let renewedAt = self.now()
                self.state.withLock {
                    $0.observed = stored
                    $0.observedAt = renewedAt
                    $0.lastRenewal = renewedAt
                }
                self.setLeading(true)
                return
            }
            self.setLeading(false)
            let expired = record.holder.isEmpty || (!changed && now - observedAt >= .seconds(record.durationSeconds))
            guard expired else { return }
            let acquired = Date()
            let taken = try await self.api.updateLease(
                LeaseRecord(
                    holder: config.identity,
                    durationSeconds: Self.seconds(config.leaseDuration),
                    transitions: record.transitions + 1,
                    resourceVersion: record.resourceVersion
                ),
                namespace: config.namespace, name: config.name, acquired: acquired
            )
            self.state.withLock { $0 = State(observed: taken, observedAt: now, lastRenewal: now, acquiredAt: acquired) }
            self.setLeading(true)
        } catch {
            // A conflict means another replica won this round; anything else is an API problem. A holder
            // keeps acting until its renew deadline, then stops, before anyone else can take over.
            let lastRenewal = self.state.withLock { $0.lastRenewal }
            if self.isLeader, let lastRenewal, self.now() - lastRenewal > config.renewDeadline {
                self.setLeading(false)
            }
            if error.code != .conflict {
                self.logger.warning("lease round failed", metadata: ["lease": "\(config.namespace)/\(config.name)", "error": "\(error)"])
            }
        }
    }

    /// Gives the lease up (holder cleared) so that another replica takes over without waiting.
    func release() async {
        guard self.isLeader else { return }
        self.setLeading(false)
        guard var record = self.state.withLock({ $0.observed }) else { return }
        record.holder = ""
        record.durationSeconds = 1
        _ = try? await self.api.updateLease(record, namespace: self.configuration.namespace, name: self.configuration.name, acquired: nil)
    }

    static func seconds(_ duration: Duration) -> Int {
        max(1, Int(duration.inSeconds))
    }
}
