import Logging
import PrescaleCore
import PrescaleServices
import ServiceLifecycle
import Synchronization

/// Scales targets up directly, on every new decision, so that the HPA's 15 s sync is not on the path.
///
/// Triggers ``submit(_:)`` a demand with each decision (from the source's task, never blocking it).
/// One worker per ScaledObject, a child task of ``run()``, takes the largest of its triggers'
/// demands, computes the count the HPA will compute (``ActuationRule``), reads the target's `scale`,
/// and patches `spec.replicas` only upward, at most once per ``Configuration/minimumPatchInterval``.
/// Scale-down stays with KEDA and the HPA. Only the lease holder patches (``ActuationLeadership``).
///
/// ```swift
/// let actuator = Actuator(configuration: .init(mode: .enabled), api: client, leadership: elector, logger: logger)
/// // in a ServiceGroup; then, per decision:
/// actuator.submit(ActuationDemand(scaledObject: key, trigger: "lag", value: 480, target: 50, isActive: true))
/// ```
public final class Actuator: Service, ActuationDemands, Sendable {
    /// The actuator's settings.
    public struct Configuration: Sendable {
        /// `--actuation`. Default `.enabled`.
        public var mode: ActuationMode
        /// At most one patch per target per this interval (`--actuation-min-interval`). Default 1 s.
        public var minimumPatchInterval: Duration
        /// The most replicas one patch adds (`--actuation-max-step`); `nil` (default) for no cap.
        public var maximumStep: Int?
        /// How often a ScaledObject is re-read for target and bounds changes. Default 30 s.
        public var scaledObjectRefresh: Duration
        /// How long a read `scale` is trusted to skip a request when the desired count is not above
        /// it. Default 2 s. (Scale-down is slow, so a slightly old count is safe to compare with.)
        public var replicaCacheTime: Duration
        /// Delays between retries after a failed call: 100 ms doubling to 5 s by default.
        public var retryBackoff: ReconnectBackoff

        /// Creates settings with the documented defaults.
        public init(
            mode: ActuationMode = .enabled,
            minimumPatchInterval: Duration = .seconds(1),
            maximumStep: Int? = nil,
            scaledObjectRefresh: Duration = .seconds(30),
            replicaCacheTime: Duration = .seconds(2),
            retryBackoff: ReconnectBackoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(5))
        ) {
            self.mode = mode
            self.minimumPatchInterval = minimumPatchInterval
            self.maximumStep = maximumStep
            self.scaledObjectRefresh = scaledObjectRefresh
            self.replicaCacheTime = replicaCacheTime
            self.retryBackoff = retryBackoff
        }
    }

    struct Mailbox {
        var demands: [String: ActuationDemand] = [:]
        var wake: AsyncStream<Void>.Continuation
    }

    /// The settings.
    public let configuration: Configuration
    let api: any ScaleAPI
    let leadership: any ActuationLeadership
    let observer: (any ActuatorObserver)?
    let logger: Logger
    let rule: ActuationRule
    private let mailboxes = Mutex<[ScaledObjectKey: Mailbox]>([:])
    private let workers = ChildTasks<(ScaledObjectKey, AsyncStream<Void>)>()

    /// Creates an actuator; it acts once ``run()`` runs.
    public init(
        configuration: Configuration,
        api: any ScaleAPI,
        leadership: any ActuationLeadership = AlwaysLeader(),
        observer: (any ActuatorObserver)? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.api = api
        self.leadership = leadership
        self.observer = observer
        self.logger = logger
        self.rule = ActuationRule(maximumStep: configuration.maximumStep)
    }

    /// Records a trigger's latest decision and wakes its target's worker. Never blocks.
    public func submit(_ demand: ActuationDemand) {
        let started = self.mailboxes.withLock { boxes -> (AsyncStream<Void>)? in
            if boxes[demand.scaledObject] != nil {
                boxes[demand.scaledObject]!.demands[demand.trigger] = demand
                boxes[demand.scaledObject]!.wake.yield()
                return nil
            }
            let (stream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            boxes[demand.scaledObject] = Mailbox(demands: [demand.trigger: demand], wake: wake)
            wake.yield()
            return stream
        }
        if let started { self.workers.start((demand.scaledObject, started)) }
    }

    /// Forgets a trigger (evicted or changed); the target's worker ends with its last trigger.
    public func withdraw(_ key: ScaledObjectKey, trigger: String) {
        let ended = self.mailboxes.withLock { boxes -> Bool in
            boxes[key]?.demands.removeValue(forKey: trigger)
            guard let box = boxes[key], box.demands.isEmpty else { return false }
            box.wake.finish()
            boxes.removeValue(forKey: key)
            return true
        }
        if ended { self.observer?.released(key) }
    }

    /// The demand the target must satisfy: the active demand wanting the most replicas.
    func strongestDemand(_ key: ScaledObjectKey, bounds: ReplicaBounds) -> (demand: ActuationDemand, desired: Int)? {
        let demands = self.mailboxes.withLock { Array(($0[key]?.demands ?? [:]).values) }
        return demands.filter(\.isActive)
            .map { ($0, self.rule.desiredReplicas(value: $0.value, target: $0.target, bounds: bounds)) }
            .max { $0.1 < $1.1 }
    }

    /// Whether any trigger of the target is active.
    func hasActiveDemand(_ key: ScaledObjectKey) -> Bool {
        self.mailboxes.withLock { ($0[key]?.demands.values ?? [:].values).contains { $0.isActive } }
    }

    /// Wakes every target's worker to act on its current demands: on gaining leadership, decisions that
    /// arrived while another replica led (or before the lease was first acquired) are acted on at once,
    /// not at their trigger's next decision, which for a steady trigger may never come.
    func wakeAll() {
        self.mailboxes.withLock { boxes in
            for box in boxes.values { box.wake.yield() }
        }
    }

    /// Runs one worker per ScaledObject until cancelled or gracefully shut down.
    public func run() async throws {
        await self.workers.run(
            alongside: {
                for await leading in self.leadership.changes.cancelOnGracefulShutdown() where leading {
                    self.logger.info(
                        "leading: acting on the current decision of every actuated target",
                        metadata: ["targets": "\(self.mailboxes.withLock { $0.count })"])
                    self.wakeAll()
                }
            },
            each: { key, wake in
                var worker = ActuationWorker(actuator: self, key: key)
                await worker.run(wake)
            }
        )
    }
}
