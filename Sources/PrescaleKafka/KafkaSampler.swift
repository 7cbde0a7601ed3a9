import Logging
import PrescaleCore
import Synchronization

/// Samples one (cluster, group, topic) in the background and fans each read out to every trigger
/// that uses it. Created and run by ``KafkaSamplerPool``.
final class KafkaSampler: Sendable {
    private struct Subscriber {
        var interval: Duration
        var continuation: AsyncStream<KafkaLagSample>.Continuation
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        var latest: KafkaLagSample?
        var stopped = false
    }

    let key: KafkaSamplerKey
    let reader: KafkaLagReader
    private let state = Mutex(State())
    private let stopStream: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    init(key: KafkaSamplerKey, reader: KafkaLagReader) {
        self.key = key
        self.reader = reader
        (self.stopStream, self.stopContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// Adds a subscriber; it gets the latest sample at once, if there is one. `nil` once stopped.
    func subscribe(interval: Duration) -> (id: Int, stream: AsyncStream<KafkaLagSample>)? {
        let (stream, continuation) = AsyncStream.makeStream(of: KafkaLagSample.self, bufferingPolicy: .bufferingNewest(1))
        let id = self.state.withLock { state -> Int? in
            guard !state.stopped else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(interval: interval, continuation: continuation)
            if let latest = state.latest { continuation.yield(latest) }
            return id
        }
        guard let id else { return nil }
        return (id, stream)
    }

    /// Removes a subscriber; returns `true` when it was the last one and the sampler has stopped.
    func unsubscribe(_ id: Int) -> Bool {
        let stopped = self.state.withLock { state -> Bool in
            state.subscribers.removeValue(forKey: id)
            if state.subscribers.isEmpty && !state.stopped {
                state.stopped = true
                return true
            }
            return false
        }
        if stopped { self.stopContinuation.finish() }
        return stopped
    }

    /// The shortest interval any subscriber asked for; `nil` when stopped.
    private var interval: Duration? {
        self.state.withLock { state in
            state.stopped ? nil : state.subscribers.values.map(\.interval).min()
        }
    }

    private func publish(_ sample: KafkaLagSample) {
        let subscribers = self.state.withLock { state in
            state.latest = sample
            return state.subscribers.values.map(\.continuation)
        }
        for subscriber in subscribers { subscriber.yield(sample) }
    }

    /// The longest pause between reads after failures. With librdkafka's reconnect backoff (at most
    /// 2 s, ``KafkaClientSettings``) it bounds the time from brokers coming back to a fresh sample:
    /// at most this pause, plus the reconnect backoff, plus one read.
    static let maximumFailurePause: Duration = .seconds(5)

    /// Samples until the last subscriber leaves or the task is cancelled. Failures back off
    /// exponentially from the interval to ``maximumFailurePause`` and are logged once per change of cause.
    func run(logger: Logger) async {
        // The stop stream is iterated once, for the sampler's lifetime; stopping cancels the loop.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.sampleUntilCancelled(logger: logger) }
            group.addTask { for await _ in self.stopStream {} }
            await group.next()
            group.cancelAll()
        }
        self.state.withLock { state in
            state.stopped = true
            for subscriber in state.subscribers.values { subscriber.continuation.finish() }
        }
    }

    private func sampleUntilCancelled(logger: Logger) async {
        var backoff: ReconnectBackoff?
        var lastError: KafkaError.Code?
        while !Task.isCancelled, let interval = self.interval {
            let started = MonotonicTime.now()
            let result: Result<KafkaOffsets, KafkaError>
            do {
                result = .success(try await self.reader.read(now: started))
            } catch {
                result = .failure(error)
            }
            let finished = MonotonicTime.now()
            self.publish(KafkaLagSample(time: finished, offsets: result, readDuration: finished - started))
            var pause = interval
            switch result {
            case .success:
                if lastError != nil { logger.notice("kafka lag readable again", metadata: ["sampler": "\(self.key)"]) }
                backoff = nil
                lastError = nil
                pause = interval - .seconds(finished - started)
            case .failure(let error):
                if lastError != error.code {
                    logger.warning("kafka lag unreadable", metadata: ["sampler": "\(self.key)", "error": "\(error)"])
                }
                lastError = error.code
                if backoff == nil { backoff = ReconnectBackoff(initial: interval, maximum: Self.maximumFailurePause) }
                pause = backoff!.next()
            }
            try? await Task.sleep(for: max(pause, .milliseconds(10)))
        }
    }
}
