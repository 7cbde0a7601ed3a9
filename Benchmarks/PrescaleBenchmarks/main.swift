import Benchmark
import PrescaleApp
import PrescaleCore
import PrescaleKafka
import PrescaleMQTT
import PrescaleProtocol
import PrescaleServer
import SwiftProtobuf

// 1,000 registered static triggers, as in the h2load scenario of docs/benchmarks.md. Static sources use
// neither pool, so neither runs here.
let registry = TriggerRegistry(
    sources: BuiltInSourceFactory(kafka: KafkaSamplerPool(), mqtt: MQTTConnectionPool()),
    observers: ScalerMetrics()
)
func metadata(_ i: Int) -> [String: String] {
    [
        "scalerAddress": "prescale.prescale.svc:6000", "source": "static", "value": String(i % 97), "target": "10",
        "activationValue": "0",
    ]
}
for i in 0..<1_000 {
    _ = try registry.trigger(namespace: "team-\(i % 20)", name: "function-\(i)", metadata: metadata(i))
}
let probe = metadata(500)

benchmark("registry lookup (1,000 triggers) + current decision") {
    let trigger = try registry.trigger(namespace: "team-0", name: "function-500", metadata: probe)
    blackHole(try trigger.currentDecision())
}

benchmark("KEDA value encoding + GetMetricsResponse serialisation") {
    let encoded = KEDAValue(25.5)!
    var value = Externalscaler_MetricValue()
    value.metricName = "static"
    value.metricValue = encoded.integer
    value.metricValueFloat = encoded.float
    var response = Externalscaler_GetMetricsResponse()
    response.metricValues = [value]
    blackHole(try response.serializedBytes() as [UInt8])
}

benchmark("GetMetricsRequest decode (what the server does per call)") {
    blackHole(try Externalscaler_GetMetricsRequest(serializedBytes: requestBytes))
}

let requestBytes: [UInt8] = {
    var request = Externalscaler_GetMetricsRequest()
    request.scaledObjectRef.name = "function-500"
    request.scaledObjectRef.namespace = "team-0"
    request.scaledObjectRef.scalerMetadata = probe
    request.metricName = "static"
    return try! request.serializedBytes()
}()

// Planner updates, 1,000 per iteration (so that the timer's own cost is spread over them: divide the
// time by 1,000 for one update): forecasters, scoring at the lead time, the conformal quantile, the
// capacity estimator (saturated samples with a replica count), burst memory and the queueing plan.
var planner = PredictivePlanner(target: 100, activationThreshold: 0, prediction: PredictionSpec())
var plannerTime = 0.0
var plannerArrived = 0.0
var plannerConsumed = 0.0
benchmark("predictive planner, 1,000 updates (per sample per trigger: divide by 1,000)") {
    for _ in 0..<1_000 {
        plannerTime += 1
        // A bursty but deterministic series, so every branch (scoring, quantile, segments) runs.
        plannerArrived += 100 + Double((Int(plannerTime) * 7_919) % 300)
        plannerConsumed = min(plannerArrived, plannerConsumed + 240)
        let backlog = plannerArrived - plannerConsumed
        blackHole(
            planner.decide(
                MetricSample(
                    time: plannerTime, reactiveValue: backlog, backlog: backlog, arrived: plannerArrived,
                    consumed: plannerConsumed, replicas: 4)))
    }
}

Benchmark.main()

/// Keeps the optimiser from discarding a benchmarked result.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
