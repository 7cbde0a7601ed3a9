import GRPCCore
import PrescaleCore
import PrescaleProtocol
import PrescaleTesting
import Testing

@testable import PrescaleServer

@Suite("A new trigger's first answer waits for its first sample")
struct FirstAnswerTests {
    static func request(_ namespace: String) -> Externalscaler_GetMetricsRequest {
        var request = Externalscaler_GetMetricsRequest()
        request.scaledObjectRef = scaledObject(staticMetadata, namespace: namespace)
        request.metricName = "s0-static"
        return request
    }

    static func waiters(_ registry: TriggerRegistry, _ namespace: String) -> Int {
        let key = TriggerKey(namespace: namespace, name: "orders", metadata: staticMetadata)
        guard let trigger = try? registry.trigger(namespace: key.namespace, name: key.name, metadata: key.metadata) else { return 0 }
        return trigger.state.withLock { $0.firstStatusWaiters.count }
    }

    @Test("concurrent first calls all wait for the one first sample and answer its value")
    func concurrentFirstCallsShareOneSample() async throws {
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["first": source]))
        try await withRunningRegistry(registry) {
            try await withScaler(registry: registry, firstSampleWait: .seconds(60)) { scaler in
                let values = try await withThrowingTaskGroup(of: Double?.self) { group in
                    for _ in 0..<20 {
                        group.addTask { try await scaler.getMetrics(Self.request("memory-first")).metricValues.first?.metricValueFloat }
                    }
                    // Every call is parked on the trigger before the sample exists.
                    try await eventually("20 waiters on the source, attached") {
                        Self.waiters(registry, "memory-first") == 20 && source.attached
                    }
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 42))
                    var values: [Double?] = []
                    for try await value in group { values.append(value) }
                    return values
                }
                #expect(values == Array(repeating: 42, count: 20))
                // One trigger, one source task: the twenty calls did not start twenty reads.
                #expect(registry.count == 1)
                #expect(source.attachedCount == 1)
                #expect(Self.waiters(registry, "memory-first") == 0)
            }
        }
    }

    @Test("a first read that fails wakes the waiting calls with its cause")
    func firstFailureAnswersItsCause() async throws {
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["failing": source]))
        try await withRunningRegistry(registry) {
            try await withScaler(registry: registry, firstSampleWait: .seconds(60)) { scaler in
                let ref = scaledObject(staticMetadata, namespace: "memory-failing")
                let answer = Task { try await scaler.isActive(ref).result }
                try await eventually("one waiter on the failing source, attached") {
                    Self.waiters(registry, "memory-failing") == 1 && source.attached
                }
                source.fail(SourceFailure(.unreachable, "broker 127.0.0.1:9 refused the connection"))
                let error = await #expect(throws: RPCError.self) { _ = try await answer.value }
                #expect(error?.code == .unavailable)
                #expect(error?.message == "broker 127.0.0.1:9 refused the connection")
            }
        }
    }

    @Test("the wait is --first-sample-wait, and at most 80% of the request's timeout")
    func waitLimit() {
        #expect(ExternalScalerService.firstSampleLimit(wait: .seconds(5), timeout: nil) == .seconds(5))
        #expect(ExternalScalerService.firstSampleLimit(wait: .seconds(5), timeout: .seconds(10)) == .seconds(5))
        #expect(ExternalScalerService.firstSampleLimit(wait: .seconds(5), timeout: .seconds(2)) == .milliseconds(1600))
        #expect(ExternalScalerService.firstSampleLimit(wait: .zero, timeout: .seconds(2)) == .zero)
    }

    @Test("with --first-sample-wait 0 the first call answers at once")
    func noWait() async throws {
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["now": source]))
        try await withRunningRegistry(registry) {
            try await withScaler(registry: registry, firstSampleWait: .zero) { scaler in
                let error = await #expect(throws: RPCError.self) { _ = try await scaler.getMetrics(Self.request("memory-now")) }
                #expect(error?.code == .unavailable)
                #expect(error?.message.contains("no sample yet") == true)
                #expect(error?.message.contains("after waiting") == false)
                #expect(Self.waiters(registry, "memory-now") == 0)
            }
        }
    }

    @Test(
        "grpc-timeout values parse as the protocol defines them",
        arguments: [
            ("1S", Duration.seconds(1)), ("500m", .milliseconds(500)), ("2M", .seconds(120)), ("1H", .seconds(3600)),
            ("99999999u", .microseconds(99_999_999)), ("7n", .nanoseconds(7)),
        ])
    func timeoutParsing(_ text: String, _ expected: Duration) {
        #expect(GRPCTimeout.duration(parsing: text) == expected)
    }

    @Test("malformed grpc-timeout values are ignored", arguments: ["", "S", "1s", "123456789S", "-1S", "1.5S", "１S"])
    func timeoutRejects(_ text: String) {
        #expect(GRPCTimeout.duration(parsing: text) == nil)
    }
}
