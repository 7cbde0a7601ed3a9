import Foundation
import Logging
import PrescaleCore
import PrescaleKubernetes
import PrescaleTesting
import Synchronization

// Decision-to-patch latency against the fake API server over HTTPS (docs/benchmarks.md):
//   swift run -c release ActuationBenchmark [targets] [rounds]
// Each round raises the demand of every target at once, so `targets` workers read the scale and patch
// concurrently; the latency is from the decision (submit) to the patch's answer.

final class LatencyRecorder: ActuatorObserver {
    let latencies = Mutex<[Duration]>([])
    let failures = Mutex<[String]>([])
    func patched(_ key: ScaledObjectKey, replicas: Int, latency: Duration) { self.latencies.withLock { $0.append(latency) } }
    func wouldPatch(_ key: ScaledObjectKey, replicas: Int) {}
    func failed(_ key: ScaledObjectKey, code: String) { self.failures.withLock { $0.append("\(code)") } }
    func skipped(_ key: ScaledObjectKey, reason: ActuationSkipReason) {}
    func replicas(_ key: ScaledObjectKey, current: Int, desired: Int) {}
    func released(_ key: ScaledObjectKey) {}
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let targets = arguments.first ?? 100
let rounds = arguments.dropFirst().first ?? 20
let api = try await FakeKubernetesAPI()
try await api.start()
for index in 0..<targets {
    api.addScaledObject(namespace: "bench", name: "so-\(index)", target: "consumer-\(index)", maxReplicas: 1_000, replicas: 1)
}
let client = try KubernetesClient(
    configuration: KubernetesClusterConfiguration(
        server: api.url,
        certificateAuthority: Array(try Data(contentsOf: URL(fileURLWithPath: api.certificates.ca))),
        credentials: .token(api.token),
        namespace: "prescale",
        identity: "benchmark"
    )
)
let recorder = LatencyRecorder()
var logger = Logger(label: "bench")
logger.logLevel = .critical
let actuator = Actuator(
    configuration: .init(minimumPatchInterval: .zero, replicaCacheTime: .zero),
    api: client,
    observer: recorder,
    logger: logger
)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await actuator.run() }
    for round in 0..<(rounds + 1) {
        let expected = recorder.latencies.withLock { $0.count } + targets
        for index in 0..<targets {
            actuator.submit(
                ActuationDemand(
                    scaledObject: ScaledObjectKey(namespace: "bench", name: "so-\(index)"),
                    trigger: "lag", value: Double(50 * (round + 2)), target: 50, isActive: true
                )
            )
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while recorder.latencies.withLock({ $0.count }) < expected && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        if round == 0 { recorder.latencies.withLock { $0.removeAll() } }  // warm-up: connections, first reads
    }
    group.cancelAll()
}
await client.shutdown()
await api.stop()
let sorted = recorder.latencies.withLock { $0 }.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1e3 }
    .sorted()
func quantile(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
print("targets \(targets), rounds \(rounds), patches \(sorted.count), failures \(recorder.failures.withLock { $0.count })")
print(
    String(
        format: "decision-to-patch ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f", quantile(0.5), quantile(0.9), quantile(0.99),
        sorted.last ?? .nan))
