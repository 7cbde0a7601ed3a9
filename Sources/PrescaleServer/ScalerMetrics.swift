import GRPCCore
import PrescaleCore
import Prometheus
import Synchronization

/// The Prometheus metrics on-call engineers read: RPCs, streams, triggers and sources.
///
/// Handles are created up front or once per label set and cached, so recording on the RPC path is an
/// atomic add or a short lock, never a registry lookup with string building.
public final class ScalerMetrics: Sendable {
    /// The RPC methods of `externalscaler.ExternalScaler`, as metric label values.
    public enum Method: String, Sendable, CaseIterable {
        case isActive = "IsActive"
        case streamIsActive = "StreamIsActive"
        case getMetricSpec = "GetMetricSpec"
        case getMetrics = "GetMetrics"
        case streamMetricSpec = "StreamMetricSpec"
    }

    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// The most triggers that get per-trigger gauges; beyond it they are counted in
    /// `prescale_trigger_series_dropped_total` instead, so a flood of ScaledObjects cannot blow up
    /// the scrape. Default: 1,000.
    public let maximumTriggerSeries: Int

    private let requestCounters: [Method: [RPCError.Code?: Counter]]
    private let latencies: [Method: DurationHistogram]
    private let openStreams: [Method: Gauge]
    private let openStreamCounts: Mutex<[Method: Int]>
    private let sourceErrors: Mutex<[String: Counter]>
    private let triggersBySource: [SourceKind: Gauge]
    private let seriesDropped: Counter
    /// Certificate reloads that failed (the previous certificate is still served).
    let tlsReloadFailures: Counter
    let triggerSeries: Mutex<TriggerSeriesTable>
    let brokerSeries = Mutex<[String: BrokerSeries]>([:])
    let actuation = Mutex<[ScaledObjectKey: ActuationSeries]>([:])
    let actuationLatency: DurationHistogram
    /// Registered only when actuation is on, so that its absence means actuation is off.
    let actuationLeader = Mutex<Gauge?>(nil)

    /// The RPC status codes counted separately; any other code is counted as `other`.
    static let countedCodes: [RPCError.Code?] = [
        nil, .invalidArgument, .unavailable, .resourceExhausted, .notFound, .internalError, .cancelled,
    ]

    /// Creates the metrics in `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), maximumTriggerSeries: Int = 1_000) {
        self.registry = registry
        self.maximumTriggerSeries = maximumTriggerSeries
        registry.makeGauge(
            descriptor: .named("prescale_build_info", help: "Always 1; the version label is the running Prescale's version."),
            labels: [("version", PrescaleVersion.current)]
        ).set(Int64(1))
        let buckets: [Duration] = [
            .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
            .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
        ]
        var counters: [Method: [RPCError.Code?: Counter]] = [:]
        var latencies: [Method: DurationHistogram] = [:]
        var streams: [Method: Gauge] = [:]
        for method in Method.allCases {
            var byCode: [RPCError.Code?: Counter] = [:]
            for code in Self.countedCodes + [.unknown] {
                byCode[code] = registry.makeCounter(
                    descriptor: .named(
                        "prescale_grpc_requests_total", help: "ExternalScaler RPCs answered, by method and gRPC status code."),
                    labels: [("method", method.rawValue), ("code", Self.label(code))])
            }
            counters[method] = byCode
            latencies[method] = registry.makeDurationHistogram(
                descriptor: .named(
                    "prescale_grpc_request_duration_seconds",
                    help: "Time to answer unary ExternalScaler RPCs (streams: time to look the trigger up and open)."),
                labels: [("method", method.rawValue)], buckets: buckets)
            if method == .streamIsActive || method == .streamMetricSpec {
                streams[method] = registry.makeGauge(
                    descriptor: .named("prescale_grpc_open_streams", help: "Push streams currently open."),
                    labels: [("method", method.rawValue)])
            }
        }
        self.requestCounters = counters
        self.latencies = latencies
        self.openStreams = streams
        self.openStreamCounts = Mutex([:])
        self.sourceErrors = Mutex([:])
        var bySource: [SourceKind: Gauge] = [:]
        for kind in SourceKind.allCases {
            bySource[kind] = registry.makeGauge(
                descriptor: .named("prescale_triggers", help: "Triggers currently registered, by source."),
                labels: [("source", kind.rawValue)])
        }
        self.triggersBySource = bySource
        self.seriesDropped = registry.makeCounter(
            descriptor: .named(
                "prescale_trigger_series_dropped_total",
                help: "Triggers that got no per-trigger series because the cardinality cap was reached."))
        self.tlsReloadFailures = registry.makeCounter(
            descriptor: .named(
                "prescale_tls_reload_failures_total",
                help:
                    "Re-reads of --tls-cert/--tls-key that failed; the listener keeps serving the previous certificate until one succeeds."
            ))
        self.triggerSeries = Mutex(TriggerSeriesTable())
        self.actuationLatency = registry.makeDurationHistogram(
            descriptor: .named(
                "prescale_actuation_decision_to_patch_seconds", help: "From a planner decision to the scale patch's answer."),
            buckets: [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
            ]
        )
    }

    static func label(_ code: RPCError.Code?) -> String {
        guard let code else { return "ok" }
        switch code {
        case .invalidArgument: return "invalid_argument"
        case .unavailable: return "unavailable"
        case .resourceExhausted: return "resource_exhausted"
        case .notFound: return "not_found"
        case .internalError: return "internal"
        case .cancelled: return "cancelled"
        default: return "other"
        }
    }

    /// Counts one answered RPC and its latency.
    public func recordRequest(_ method: Method, code: RPCError.Code?, duration: Duration) {
        let byCode = self.requestCounters[method]!
        (byCode[code] ?? byCode[.unknown]!).increment()
        self.latencies[method]!.record(duration)
    }

    /// A push stream opened (`delta` 1) or closed (`delta` -1).
    public func streamOpened(_ method: Method, delta: Int) {
        guard let gauge = self.openStreams[method] else { return }
        let open = self.openStreamCounts.withLock { counts in
            counts[method, default: 0] += delta
            return counts[method]!
        }
        gauge.set(Int64(open))
    }

    /// Counts a source error by source and failure code.
    public func recordSourceError(source: SourceKind, failure: SourceFailure) {
        let key = "\(source.rawValue)/\(failure.code)"
        let counter = self.sourceErrors.withLock { counters in
            if let existing = counters[key] { return existing }
            let counter = self.registry.makeCounter(
                descriptor: .named("prescale_source_errors_total", help: "Source failures observed, by source and reason."),
                labels: [("source", source.rawValue), ("reason", failure.code.description)])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Sets the per-source trigger counts.
    public func updateTriggerCounts(_ counts: [SourceKind: Int]) {
        for (kind, gauge) in self.triggersBySource { gauge.set(Int64(counts[kind] ?? 0)) }
    }

    func dropSeries() { self.seriesDropped.increment() }
}

extension MetricNameDescriptor {
    /// A descriptor for a metric whose full name is `name`, with `help` as its `# HELP` line.
    static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

extension PrometheusCollectorRegistry {
    /// The gauge kept in `slot`, made on first use: a series that only some triggers (or only some
    /// configurations) ever report is not exported until it has a value.
    func lazyGauge(in slot: borrowing Mutex<Gauge?>, name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        slot.withLock { gauge -> Gauge in
            if let gauge { return gauge }
            let made = self.makeGauge(descriptor: .named(name, help: help), labels: labels)
            gauge = made
            return made
        }
    }
}
