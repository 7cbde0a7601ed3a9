import PrescaleCore
import Synchronization

/// A source whose samples are pushed by code, for tests: every sample or failure given
/// to ``push(_:)`` or ``fail(_:)`` reaches every trigger that uses the source.
public final class InMemorySource: MetricSource {
    private struct State {
        var sinks: [Int: any SampleSink] = [:]
        var nextID = 0
        var latest: Result<MetricSample, SourceFailure>?
    }

    private let state = Mutex(State())

    /// The staleness bound, if any.
    public let staleAfter: Duration?

    /// Creates a source with an optional first sample.
    public init(initial: MetricSample? = nil, staleAfter: Duration? = nil) {
        self.staleAfter = staleAfter
        if let initial { self.state.withLock { $0.latest = .success(initial) } }
    }

    public var initialSample: MetricSample? {
        self.state.withLock { state in
            if case .success(let sample) = state.latest { return sample }
            return nil
        }
    }

    /// How many triggers are attached (their source task is running).
    public var attachedCount: Int {
        self.state.withLock { $0.sinks.count }
    }

    /// Publishes `sample` to every attached trigger.
    public func push(_ sample: MetricSample) {
        let sinks = self.state.withLock { state in
            state.latest = .success(sample)
            return Array(state.sinks.values)
        }
        for sink in sinks { sink.publish(sample) }
    }

    /// Reports `failure` to every attached trigger.
    public func fail(_ failure: SourceFailure) {
        let sinks = self.state.withLock { state in
            state.latest = .failure(failure)
            return Array(state.sinks.values)
        }
        for sink in sinks { sink.fail(failure) }
    }

    public func run(into sink: any SampleSink) async throws {
        let id = self.state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.sinks[id] = sink
            return id
        }
        defer { _ = self.state.withLock { $0.sinks.removeValue(forKey: id) } }
        // Park until the trigger is evicted or the server stops.
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }
}
