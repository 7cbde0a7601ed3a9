import ServiceLifecycle

/// Work that is started from anywhere (under a lock, from a callback) but runs as child tasks of one
/// lifecycle service, so that nothing outlives the service and no task is detached.
///
/// ``start(_:)`` hands an item over at once and never blocks. The service's `run()` calls
/// ``run(alongside:beforeCancelling:each:)`` once: it starts one child task per item, in order, until the
/// service is cancelled or shut down gracefully, then cancels the children still running.
///
/// ```swift
/// let workers = ChildTasks<Connection>()
/// workers.start(connection)                        // from anywhere
/// await workers.run { connection in await connection.run() }   // in the service's run()
/// ```
///
/// The trigger registry (a source per trigger), the Kafka sampler pool (a sampler per group), the MQTT
/// connection pool (a network loop per broker) and the actuator (a worker per ScaledObject) use it.
public struct ChildTasks<Item: Sendable>: Sendable {
    private let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    /// Creates an empty set of child tasks.
    public init() {
        (self.items, self.continuation) = AsyncStream.makeStream(of: Item.self)
    }

    /// Starts a child task for `item`; before ``run(alongside:beforeCancelling:each:)`` runs, items wait for it.
    public func start(_ item: Item) {
        self.continuation.yield(item)
    }

    /// Runs `body(item)` in its own child task for every started item, and `alongside` (a loop the service
    /// needs next to them, if any) as one more child, until cancellation or graceful shutdown. Then it calls
    /// `beforeCancelling` and cancels the children that remain. Call it once.
    public func run(
        alongside: (@Sendable () async -> Void)? = nil,
        beforeCancelling: () -> Void = {},
        each body: @escaping @Sendable (Item) async -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            if let alongside {
                group.addTask { await alongside() }
            }
            for await item in self.items.cancelOnGracefulShutdown() {
                group.addTask { await body(item) }
            }
            beforeCancelling()
            group.cancelAll()
        }
    }
}
