import Foundation
import Logging
import PrescaleCore
import PrescaleTesting
import Synchronization

@testable import PrescaleKubernetes

/// A client for the fake API server, trusting its CA, with a fixed or file token.
func makeClient(for api: FakeKubernetesAPI, credentials: KubernetesClusterConfiguration.Credentials? = nil) throws -> KubernetesClient {
    let ca = try Array(Data(contentsOf: URL(fileURLWithPath: api.certificates.ca)))
    return try KubernetesClient(
        configuration: KubernetesClusterConfiguration(
            server: api.url,
            certificateAuthority: ca,
            credentials: credentials ?? .token(api.token),
            namespace: "prescale",
            identity: "system:serviceaccount:prescale:prescale"
        )
    )
}

/// Starts a fake API server, runs `body`, stops it.
func withFakeAPI<T>(_ body: (FakeKubernetesAPI) async throws -> T) async throws -> T {
    let api = try await FakeKubernetesAPI()
    try await api.start()
    do {
        let result = try await body(api)
        await api.stop()
        return result
    } catch {
        await api.stop()
        throw error
    }
}

/// Runs an actuator against `api` for the duration of `body`.
func withActuator<T>(
    _ configuration: Actuator.Configuration,
    api: any ScaleAPI,
    leadership: any ActuationLeadership = AlwaysLeader(),
    _ body: (Actuator, RecordingActuatorObserver) async throws -> T
) async throws -> T {
    let observer = RecordingActuatorObserver()
    var logger = Logger(label: "actuator-test")
    logger.logLevel = .critical
    let actuator = Actuator(configuration: configuration, api: api, leadership: leadership, observer: observer, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await actuator.run() }
        defer { group.cancelAll() }
        return try await body(actuator, observer)
    }
}

/// Counts what the actuator reports.
final class RecordingActuatorObserver: ActuatorObserver {
    struct Counts {
        var patched: [Int] = []
        var wouldPatch: [Int] = []
        var failed: [String] = []
        var skipped: [ActuationSkipReason: Int] = [:]
        var latencies: [Duration] = []
        var current = 0
        var desired = 0
    }

    let counts = Mutex(Counts())

    func patched(_ key: ScaledObjectKey, replicas: Int, latency: Duration) {
        self.counts.withLock {
            $0.patched.append(replicas)
            $0.latencies.append(latency)
        }
    }
    func wouldPatch(_ key: ScaledObjectKey, replicas: Int) { self.counts.withLock { $0.wouldPatch.append(replicas) } }
    func failed(_ key: ScaledObjectKey, code: String) { self.counts.withLock { $0.failed.append(code) } }
    func skipped(_ key: ScaledObjectKey, reason: ActuationSkipReason) { self.counts.withLock { $0.skipped[reason, default: 0] += 1 } }
    func replicas(_ key: ScaledObjectKey, current: Int, desired: Int) {
        self.counts.withLock {
            $0.current = current
            $0.desired = desired
        }
    }
    func released(_ key: ScaledObjectKey) {}

    var snapshot: Counts { self.counts.withLock { $0 } }
}

/// The PATCH requests the fake server received.
func patches(_ api: FakeKubernetesAPI) -> [FakeKubernetesAPI.RecordedRequest] {
    api.requests.filter { $0.method == "PATCH" }
}

let shopOrders = ScaledObjectKey(namespace: "shop", name: "orders")

func demand(_ value: Double, target: Double = 50, active: Bool = true, trigger: String = "lag") -> ActuationDemand {
    ActuationDemand(scaledObject: shopOrders, trigger: trigger, value: value, target: target, isActive: active)
}
