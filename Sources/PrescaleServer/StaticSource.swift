import PrescaleCore

/// The `source: static` source: one sample with the metadata's value, for smoke tests.
public struct StaticSource: MetricSource {
    /// The parsed metadata.
    public var spec: StaticSourceSpec

    /// Creates the source.
    public init(spec: StaticSourceSpec) {
        self.spec = spec
    }

    public var initialSample: MetricSample? {
        MetricSample(time: MonotonicTime.now(), reactiveValue: self.spec.value)
    }

    public func run(into sink: any SampleSink) async throws {
        // The value never changes; the initial sample is all there is.
    }
}
