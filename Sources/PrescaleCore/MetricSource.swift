/// Where a trigger's samples come from. Sources sample in the background and publish into a
/// ``SampleSink``; RPC handlers only ever read the latest result from memory.
///
/// Implementations: ``StaticSource`` (metadata value), `InMemorySource` (PrescaleTesting); Kafka and MQTT
/// sources live in their own modules.
public protocol MetricSource: Sendable {
    /// A sample available the moment the trigger is created, if the source has one without any I/O.
    var initialSample: MetricSample? { get }

    /// How old the latest sample may be before it is no longer served as current; `nil` for never.
    var staleAfter: Duration? { get }

    /// Samples the source until the task is cancelled, publishing every sample and failure to `sink`.
    /// Returning early is allowed for sources with nothing more to say.
    func run(into sink: any SampleSink) async throws
}

extension MetricSource {
    public var initialSample: MetricSample? { nil }
    public var staleAfter: Duration? { nil }
}

/// Receives what a ``MetricSource`` observes (in the server, the trigger that owns the source).
public protocol SampleSink: Sendable {
    /// The source observed `sample`.
    func publish(_ sample: MetricSample)
    /// The source cannot be read; the trigger answers `UNAVAILABLE` until the next sample.
    func fail(_ failure: SourceFailure)
}
