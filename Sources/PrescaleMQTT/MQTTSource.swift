import PrescaleCore

/// The `source: mqtt` source of one trigger: messages in the window on its topic filter, plus the
/// broker's `$SYS` backlog with `backlog: sys`.
///
/// It samples once per ``tick`` and at once on the first message after an inactive sample, so that
/// `StreamIsActive` pushes `true` without waiting for a tick. While the broker is unreachable the last
/// value is served until ``staleAfter``; after that (or at once, if there has never been a value) the
/// trigger answers `UNAVAILABLE` with the cause.
public struct MQTTSource: MetricSource {
    /// The trigger's settings.
    public let spec: MQTTTriggerSpec
    /// Where connections live.
    public let pool: MQTTConnectionPool
    /// How often a sample is taken without any message. Default: 1 s.
    public var tick: Duration

    /// Creates the source.
    public init(spec: MQTTTriggerSpec, pool: MQTTConnectionPool, tick: Duration = .seconds(1)) {
        self.spec = spec
        self.pool = pool
        self.tick = tick
    }

    /// ``Staleness`` of the tick (5 s): a disconnection shorter than this keeps the last value; a longer
    /// one is reported.
    public var staleAfter: Duration? { Staleness.bound(interval: self.tick) }

    private var staleSeconds: Double {
        Staleness.bound(interval: self.tick).inSeconds
    }

    public func run(into sink: any SampleSink) async throws {
        do {
            try await self.sample(into: sink)
        } catch let error as MQTTError {
            // The client cannot even be created (unreadable TLS files): nothing to retry.
            sink.fail(SourceFailure(mqtt: error))
        }
    }

    private func sample(into sink: any SampleSink) async throws {
        try await self.pool.withSubscription(
            settings: MQTTConnectionSettings(spec: self.spec),
            filter: self.spec.topic,
            qos: self.spec.qos,
            windowSeconds: self.spec.windowSeconds,
            sys: self.spec.backlog == .sys
        ) { connection, counter in
            let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            let waker = counter.addWaker { wake.yield() }
            defer { counter.removeWaker(waker) }
            // The ticker sleeps for the pause the last evaluation chose, then wakes the loop: while connecting
            // (or waiting for $SYS values) it looks again soon, otherwise a tick later. The pause is chosen
            // after the evaluation, so once a sample is out no short poll is left pending.
            let (pauses, setPause) = AsyncStream.makeStream(of: Duration.self, bufferingPolicy: .bufferingNewest(1))
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await pause in pauses {
                        try? await Task.sleep(for: pause)
                        if Task.isCancelled { break }
                        wake.yield()
                    }
                    wake.finish()
                }
                wake.yield()
                var published = false
                for await _ in wakes {
                    let outcome = self.evaluate(connection: connection, counter: counter, hasPublished: published)
                    switch outcome {
                    case .sample(let sample):
                        sink.publish(sample)
                        published = true
                        if sample.activityValue <= self.spec.activationQueryValue { counter.arm(waker) }
                        setPause.yield(self.tick)
                    case .failure(let failure):
                        sink.fail(failure)
                        published = false
                        counter.arm(waker)
                        setPause.yield(self.tick)
                    case .wait:
                        setPause.yield(min(self.tick, Self.waitingPoll))
                    }
                }
                setPause.finish()
                group.cancelAll()
            }
        }
    }

    /// How often to look again while connecting or waiting for `$SYS` values.
    static let waitingPoll: Duration = .milliseconds(100)

    enum Outcome {
        case sample(MetricSample)
        case failure(SourceFailure)
        /// Keep serving the last value (a short disconnection, or `$SYS` values still on their way).
        case wait
    }

    /// What to report now, from the connection's status, the counter and the `$SYS` cache.
    func evaluate(connection: MQTTConnection, counter: MQTTMessageCounter, hasPublished: Bool, now: Double = MonotonicTime.now()) -> Outcome
    {
        switch connection.status {
        case .connecting(let since):
            if now - since > self.staleSeconds {
                return .failure(SourceFailure(.unreachable, "mqtt \(self.spec.broker): still connecting after \(Int(now - since)) s"))
            }
            return .wait
        case .disconnected(let since, let error):
            if !hasPublished || now - since > self.staleSeconds { return .failure(SourceFailure(mqtt: error)) }
            return .wait
        case .connected(let since):
            if let refusal = counter.refusal { return .failure(SourceFailure(mqtt: refusal)) }
            let (inWindow, total) = counter.count(windowSeconds: self.spec.windowSeconds, at: now)
            var backlog: Double?
            if self.spec.backlog == .sys {
                let (statistics, refusal) = connection.sysStatistics
                if let refusal { return .failure(SourceFailure(mqtt: refusal)) }
                guard let value = statistics.backlog(at: now) else {
                    // Retained $SYS values arrive right after subscribing; give the broker one bound.
                    if now - since <= max(statistics.staleAfter, self.staleSeconds) && !hasPublished { return .wait }
                    return .failure(
                        SourceFailure(
                            .stale,
                            "mqtt \(self.spec.broker): no current $SYS statistics for backlog: sys (the broker must "
                                + "publish $SYS, sys_interval > 0, and allow reading $SYS/broker/#); last update "
                                + (statistics.lastUpdate.map { "\(Int(now - $0)) s ago" } ?? "never")))
                }
                backlog = value
            }
            let value = inWindow + (backlog ?? 0)
            return .sample(
                MetricSample(
                    time: now, reactiveValue: value, backlog: backlog, arrived: Double(total),
                    windowSeconds: Double(self.spec.windowSeconds)))
        }
    }
}
