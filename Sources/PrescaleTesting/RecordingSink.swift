import PrescaleCore
import Synchronization

/// A ``SampleSink`` that records what a source publishes, for tests.
public final class RecordingSink: SampleSink {
    /// One thing the source said.
    public enum Event: Sendable {
        case sample(MetricSample)
        case failure(SourceFailure)
    }

    private let events = Mutex<[Event]>([])

    /// Creates an empty sink.
    public init() {}

    public func publish(_ sample: MetricSample) { self.events.withLock { $0.append(.sample(sample)) } }
    public func fail(_ failure: SourceFailure) { self.events.withLock { $0.append(.failure(failure)) } }

    /// Everything so far.
    public var all: [Event] { self.events.withLock { $0 } }
    /// The newest event.
    public var latest: Event? { self.events.withLock { $0.last } }
    /// The newest event if it is a sample.
    public var latestSample: MetricSample? {
        if case .sample(let sample) = self.latest { return sample }
        return nil
    }
    /// The newest event if it is a failure.
    public var latestFailure: SourceFailure? {
        if case .failure(let failure) = self.latest { return failure }
        return nil
    }
}

/// A condition that did not come true in time.
public struct NotReached: Error, CustomStringConvertible {
    /// What was awaited, and what the sink saw last.
    public var description: String

    /// Creates the error.
    public init(description: String) {
        self.description = description
    }
}

/// Polls every 10 ms until `condition` holds (the one polling helper of the test suites); throws ``NotReached`` (naming `what` and the sink's last
/// event) after a generous bound instead of hanging. A liveness bound, not a timing assertion: on two
/// cores the suites' parallel start-up keeps the cooperative pool busy for 20–30 s (measured: the first
/// tests to start, trivial ones included, all finish after 22–29 s, none takes over 9 s alone), so the
/// default is 120 s.
public func eventually(
    _ what: String,
    sink: RecordingSink? = nil,
    within bound: Duration = .seconds(120),
    _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + bound
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    if await condition() { return }
    throw NotReached(description: "not reached within \(bound): \(what); last event: \(String(describing: sink?.latest))")
}
