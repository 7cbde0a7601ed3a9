extension Trigger {
    /// A stream of status changes, starting with the current status.
    ///
    /// Each element is the status after a change of availability, activity or target. Slow readers see
    /// only the newest status. The stream finishes when the trigger is evicted or the server drains.
    /// `end` finishes the stream from outside, for example when the RPC is cancelled.
    func watch() -> (updates: AsyncStream<TriggerStatus>, end: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: TriggerStatus.self,
            bufferingPolicy: .bufferingNewest(1)
        )
        let registered = self.state.withLock { state -> Int? in
            guard !state.watchersClosed else { return nil }
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[id] = continuation
            continuation.yield(state.status)
            return id
        }
        guard let id = registered else {
            continuation.finish()
            return (stream, {})
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return (stream, { continuation.finish() })
    }

    /// How many push streams are open on this trigger. A watched trigger is never evicted.
    var watcherCount: Int {
        self.state.withLock { $0.watchers.count }
    }

    /// Ends every open watcher stream and refuses new ones (graceful shutdown, eviction).
    func closeWatchers() {
        let (watchers, waiters) = self.state.withLock { state in
            state.watchersClosed = true
            defer {
                state.watchers.removeAll()
                state.firstStatusWaiters.removeAll()
            }
            return (Array(state.watchers.values), Array(state.firstStatusWaiters.values))
        }
        for watcher in watchers { watcher.finish() }
        for waiter in waiters { waiter.finish() }
    }
}
