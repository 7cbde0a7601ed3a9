extension Trigger {
    /// Waits until the trigger has its first status (a decision or a failure), at most `limit`.
    ///
    /// A new trigger has no sample until its source's first read; KEDA's first poll would otherwise be
    /// `UNAVAILABLE`. Every call waiting here is woken by that one read: the source runs once per
    /// trigger (and Kafka and MQTT share their reads across triggers), so concurrent first calls never
    /// read twice. Returns at once when the status is already known, and early when the calling task is
    /// cancelled (the RPC's deadline passed or the client went away).
    func awaitFirstStatus(atMost limit: Duration) async {
        guard limit > .zero else { return }
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let id = self.state.withLock { state -> Int? in
            guard state.status == .pending, !state.watchersClosed else { return nil }
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.firstStatusWaiters[id] = continuation
            return id
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in stream {} }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        self.state.withLock { _ = $0.firstStatusWaiters.removeValue(forKey: id) }
        continuation.finish()
    }
}
