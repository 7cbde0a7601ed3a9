import Foundation
import GRPCCore
import GRPCInProcessTransport
import PrescaleCore
import PrescaleKubernetes
import PrescaleProtocol
import PrescaleTesting
import Synchronization

@testable import PrescaleServer

/// A Kubernetes client for the fake API server over HTTPS, trusting its CA, with its token.
func fakeAPIClient(_ api: FakeKubernetesAPI) throws -> KubernetesClient {
    try KubernetesClient(
        configuration: KubernetesClusterConfiguration(
            server: api.url, certificateAuthority: Array(try Data(contentsOf: URL(fileURLWithPath: api.certificates.ca))),
            credentials: .token(api.token), namespace: "prescale", identity: "test"
        )
    )
}

/// Builds `static` sources only: the registry and service tests need no Kafka or MQTT pool, and a test
/// that reaches for one by mistake fails with this error instead of waiting on a pool nobody runs.
struct StaticSources: MetricSourceFactory {
    func makeSource(for spec: TriggerSpec, namespace: String) throws(ScalerError) -> any MetricSource {
        guard case .static(let staticSpec) = spec.source else {
            throw ScalerError(.invalidArgument, "this test's factory builds only static sources, not \(spec.source)")
        }
        return StaticSource(spec: staticSpec)
    }
}

/// Serves static sources, except that a trigger in namespace `memory-<key>` reads the
/// ``InMemorySource`` registered under `<key>`, so tests control its samples without a special parser.
final class TestSourceFactory: MetricSourceFactory {
    let memorySources: [String: InMemorySource]
    let builtIn = StaticSources()

    init(memorySources: [String: InMemorySource] = [:]) {
        self.memorySources = memorySources
    }

    func makeSource(for spec: TriggerSpec, namespace: String) throws(ScalerError) -> any MetricSource {
        if namespace.hasPrefix("memory-"), let source = self.memorySources[String(namespace.dropFirst(7))] {
            return source
        }
        return try self.builtIn.makeSource(for: spec, namespace: namespace)
    }
}

func scaledObject(
    _ metadata: [String: String],
    name: String = "orders",
    namespace: String = "shop"
) -> Externalscaler_ScaledObjectRef {
    var ref = Externalscaler_ScaledObjectRef()
    ref.name = name
    ref.namespace = namespace
    ref.scalerMetadata = metadata
    return ref
}

let staticMetadata: [String: String] = [
    "scalerAddress": "prescale.prescale.svc:6000", "source": "static", "value": "25", "target": "10",
    "activationValue": "3",
]

/// Runs `body` with a client connected in-process to an ExternalScaler service over `registry`.
func withScaler<Result: Sendable>(
    registry: TriggerRegistry,
    metrics: ScalerMetrics = ScalerMetrics(),
    firstSampleWait: Duration = .seconds(5),
    _ body: @Sendable (Externalscaler_ExternalScaler.Client<InProcessTransport.Client>) async throws -> Result
) async throws -> Result {
    let transport = InProcessTransport()
    let service = ExternalScalerService(registry: registry, metrics: metrics, firstSampleWait: firstSampleWait)
    return try await withGRPCServer(transport: transport.server, services: [service]) { _ in
        try await withGRPCClient(transport: transport.client) { client in
            try await body(Externalscaler_ExternalScaler.Client(wrapping: client))
        }
    }
}

/// Runs `body` while the registry's own service runs (sources, eviction).
func withRunningRegistry<Result: Sendable>(
    _ registry: TriggerRegistry,
    _ body: @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await registry.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// Polls `GetMetrics` (``eventually``) until it answers `expected` and returns the last value, so that
/// a caller's expectation shows what was answered instead.
func pollMetricValue(
    _ scaler: Externalscaler_ExternalScaler.Client<InProcessTransport.Client>,
    _ request: Externalscaler_GetMetricsRequest,
    until expected: Double
) async throws -> Double? {
    let last = Mutex<Double?>(nil)
    try? await eventually("GetMetrics answers \(expected)") {
        let value = try? await scaler.getMetrics(request).metricValues.first?.metricValueFloat
        last.withLock { $0 = value }
        return value == expected
    }
    return last.withLock { $0 }
}

/// Polls `GetMetrics` (``eventually``) until it fails with `code` and returns the last error.
func pollMetricError(
    _ scaler: Externalscaler_ExternalScaler.Client<InProcessTransport.Client>,
    _ request: Externalscaler_GetMetricsRequest,
    until code: RPCError.Code
) async throws -> RPCError? {
    let last = Mutex<RPCError?>(nil)
    try? await eventually("GetMetrics fails with \(code)") {
        do {
            _ = try await scaler.getMetrics(request)
        } catch let error as RPCError {
            last.withLock { $0 = error }
        } catch {}
        return last.withLock { $0?.code == code }
    }
    return last.withLock { $0 }
}
