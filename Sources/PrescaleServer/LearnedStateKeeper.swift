import Logging
import PrescaleCore
import ServiceLifecycle
import Synchronization

/// Keeps what the registry's predicting triggers learn: loads the store once at start-up (readiness waits
/// for it), then writes the states that changed at most once per ``interval``, and once more on graceful
/// shutdown, while every trigger still exists.
final class LearnedStateKeeper: Service {
    let registry: TriggerRegistry
    let store: any LearnedStateStorage
    let readiness: Readiness
    let interval: Duration
    /// What was last written for each key, so that only changes are written again.
    private let written = Mutex<[String: LearnedState]>([:])

    init(registry: TriggerRegistry, store: any LearnedStateStorage, readiness: Readiness, interval: Duration = .seconds(60)) {
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
