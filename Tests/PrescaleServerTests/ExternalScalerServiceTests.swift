import GRPCCore
import PrescaleCore
import PrescaleProtocol
import PrescaleTesting
import Testing

@testable import PrescaleServer

@Suite("ExternalScaler service")
struct ExternalScalerServiceTests {
    @Test("KEDA's sequence: GetMetricSpec, then GetMetrics with the returned name, then IsActive")
    func kedaSequence() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        try await withScaler(registry: registry) { scaler in
            let spec = try await scaler.getMetricSpec(scaledObject(staticMetadata))
            #expect(spec.metricSpecs.count == 1)
            let metricSpec = try #require(spec.metricSpecs.first)
            #expect(metricSpec.metricName == "static")
            #expect(metricSpec.targetSizeFloat == 10)
            #expect(metricSpec.targetSize == 10)

            var request = Externalscaler_GetMetricsRequest()
            request.scaledObjectRef = scaledObject(staticMetadata)
            request.metricName = metricSpec.metricName
            let metrics = try await scaler.getMetrics(request)
            #expect(metrics.metricValues.count == 1)
            #expect(metrics.metricValues.first?.metricValueFloat == 25)
            #expect(metrics.metricValues.first?.metricValue == 25)

            let active = try await scaler.isActive(scaledObject(staticMetadata))
            #expect(active.result)
        }
        #expect(registry.count == 1)
    }

    @Test("the value is compared with activationValue strictly")
    func inactiveAtThreshold() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        var metadata = staticMetadata
        metadata["value"] = "3"
        try await withScaler(registry: registry) { [metadata] scaler in
            let isActive = try await scaler.isActive(scaledObject(metadata)).result
            #expect(!isActive)
        }
    }

    @Test("bad metadata is INVALID_ARGUMENT naming the key")
    func badMetadata() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        var metadata = staticMetadata
        metadata["target"] = "zero"
        try await withScaler(registry: registry) { [metadata] scaler in
            for call in 0..<3 {
                let error = await #expect(throws: RPCError.self) {
                    switch call {
                    case 0: _ = try await scaler.getMetricSpec(scaledObject(metadata))
                    case 1: _ = try await scaler.isActive(scaledObject(metadata))
                    default:
                        var request = Externalscaler_GetMetricsRequest()
                        request.scaledObjectRef = scaledObject(metadata)
                        request.metricName = "static"
                        _ = try await scaler.getMetrics(request)
                    }
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains("\"target\"") == true)
                #expect(error?.message.contains("\"zero\"") == true)
                #expect(error?.message.contains("a number > 0") == true)
            }
        }
        #expect(registry.count == 0)
    }

    @Test("an unknown source lists the known ones")
    func unknownSource() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        try await withScaler(registry: registry) { scaler in
            let error = await #expect(throws: RPCError.self) {
                _ = try await scaler.isActive(scaledObject(["source": "rabbit"]))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message == "metadata key \"source\": \"rabbit\" is not a known source; allowed: one of static, kafka, mqtt")
        }
    }

    @Test("GetMetrics for a name the trigger does not serve is INVALID_ARGUMENT")
    func wrongMetricName() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        try await withScaler(registry: registry) { scaler in
            var request = Externalscaler_GetMetricsRequest()
            request.scaledObjectRef = scaledObject(staticMetadata)
            request.metricName = "kafka-orders"
            let error = await #expect(throws: RPCError.self) { _ = try await scaler.getMetrics(request) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("\"static\"") == true)
            request.metricName = "s0-static"
            let value = try await scaler.getMetrics(request).metricValues.first?.metricValueFloat
            #expect(value == 25)
        }
    }

    @Test("a source that cannot be read answers UNAVAILABLE, never a made-up zero")
    func unavailableSource() async throws {
        let source = InMemorySource()
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["a": source]))
        try await withRunningRegistry(registry) {
            try await withScaler(registry: registry, firstSampleWait: .milliseconds(200)) { scaler in
                let ref = scaledObject(staticMetadata, namespace: "memory-a")
                var error = await #expect(throws: RPCError.self) { _ = try await scaler.isActive(ref) }
                #expect(error?.code == .unavailable)
                #expect(error?.message.contains("no sample yet") == true)
                #expect(error?.message.contains("(--first-sample-wait 0.2 s)") == true)

                // The spec does not need the source: KEDA can create the HPA while a broker is down.
                let target = try await scaler.getMetricSpec(ref).metricSpecs.first?.targetSizeFloat
                #expect(target == 10)

                try await eventually("one trigger, its source attached") { registry.count == 1 && source.attached }
                source.fail(SourceFailure(.unreachable, "broker 127.0.0.1:9 refused the connection"))
                error = await #expect(throws: RPCError.self) { _ = try await scaler.isActive(ref) }
                #expect(error?.code == .unavailable)
                #expect(error?.message == "broker 127.0.0.1:9 refused the connection")

                source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 7))
                let isActive = try await scaler.isActive(ref).result
                #expect(isActive)
            }
        }
    }

    @Test("a stale sample is not served as current")
    func staleSample() async throws {
        let source = InMemorySource(initial: MetricSample(time: MonotonicTime.now() - 60, reactiveValue: 9), staleAfter: .seconds(5))
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["s": source]))
        try await withScaler(registry: registry) { scaler in
            let error = await #expect(throws: RPCError.self) {
                _ = try await scaler.isActive(scaledObject(staticMetadata, namespace: "memory-s"))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("staleness bound 5 s") == true)
        }
    }
}

extension InMemorySource {
    /// Whether a trigger's source task is attached (so pushes reach it).
    var attached: Bool { self.attachedCount > 0 }
}
