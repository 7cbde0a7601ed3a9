import Logging
import PrescaleCore
import PrescaleKubernetes
import ServiceLifecycle
import Synchronization

/// Where a new trigger finds what an earlier process learned for it.
public protocol LearnedStates: Sendable {
    /// The state saved for the trigger under `key`, if it is the trigger named `identity` and can be trusted.
    func saved(key: String, identity: String) -> LearnedState?
}

extension LearnedStateStore: LearnedStates {}

/// Keeps what the registry's predicting triggers learn: loads the store once at start-up (readiness waits
/// for it), then writes the states that changed at most once per ``interval``, and once more on graceful
/// shutdown, while every trigger still exists.
final class LearnedStateKeeper: Service {
    let registry: TriggerRegistry
    let store: LearnedStateStore
    let readiness: Readiness
    let interval: Duration
    /// What was last written for each key, so that only changes are written again.
    private let written = Mutex<[String: LearnedState]>([:])

    init(registry: TriggerRegistry, store: LearnedStateStore, readiness: Readiness, interval: Duration = .seconds(60)) {
        self.registry = registry
        self.store = store
        self.readiness = readiness
        self.interval = interval
    }

    func run() async throws {
        await self.store.load()
        self.readiness.learnedStateIsLoaded()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
        await self.flush()
    }

    /// Writes the records whose state changed since it was last written.
    func flush() async {
        let records = self.registry.learnedRecords()
        let changed = self.written.withLock { written in records.filter { written[$0.key] != $0.state } }
        guard !changed.isEmpty else { return }
        await self.store.write(changed)
        self.written.withLock { written in
            for record in changed { written[record.key] = record.state }
        }
    }
}
