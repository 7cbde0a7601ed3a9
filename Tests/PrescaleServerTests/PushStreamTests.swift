import GRPCCore
import PrescaleCore
import PrescaleProtocol
import PrescaleTesting
import Synchronization
import Testing

@testable import PrescaleServer

@Suite("Push streams")
struct PushStreamTests {
    @Test("StreamIsActive sends the current state at once, then every inactive-to-active edge")
    func isActiveEdges() async throws {
        let source = InMemorySource(initial: MetricSample(time: MonotonicTime.now(), reactiveValue: 0))
        let registry = TriggerRegistry(sources: TestSourceFactory(memorySources: ["e": source]))
        let ref = scaledObject(staticMetadata, namespace: "memory-e")
        try await withRunningRegistry(registry) {
            try await withScaler(registry: registry) { scaler in
                try await scaler.streamIsActive(ref) { response in
                    var messages = response.messages.makeAsyncIterator()
                    let opening = try await messages.next()?.result
                    #expect(opening == false)
                    try await eventually("the source attached") { source.attached }
                    // A change of value that keeps the trigger inactive is not pushed…
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 2))
                    // …but crossing the activation threshold is, without waiting for a poll.
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 50))
                    let activated = try await messages.next()?.result
                    #expect(activated == true)
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 0))
                    let deactivated = try await messages.next()?.result
                    #expect(deactivated == false)
                    source.push(MetricSample(time: MonotonicTime.now(), reactiveValue: 4))
                    let reactivated = try await messages.next()?.result
                    #expect(reactivated == true)
                }
            }
        }
    }

    @Test("StreamMetricSpec sends the spec GetMetricSpec returns")
    func metricSpecStream() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        try await withScaler(registry: registry) { scaler in
            let unary = try await scaler.getMetricSpec(scaledObject(staticMetadata))
            try await scaler.streamMetricSpec(scaledObject(staticMetadata)) { response in
                var messages = response.messages.makeAsyncIterator()
                let streamed = try await messages.next()
                #expect(streamed == unary)
            }
        }
    }

    @Test("draining ends open streams cleanly, with status OK")
    func drainingEndsStreams() async throws {
        let registry = TriggerRegistry(sources: StaticSources())
        try await withScaler(registry: registry) { scaler in
            try await scaler.streamIsActive(scaledObject(staticMetadata)) { response in
                var messages = response.messages.makeAsyncIterator()
                let opening = try await messages.next()?.result
                #expect(opening == true)
                registry.beginDraining()
                // A clean end of stream: nil, not a thrown RPCError.
                let afterDrain = try await messages.next()
                #expect(afterDrain == nil)
            }
            // New triggers are refused while draining.
            let error = await #expect(throws: RPCError.self) {
                _ = try await scaler.isActive(scaledObject(staticMetadata, name: "other"))
            }
            #expect(error?.code == .unavailable)
            // A stream opened while draining, on a known or a new trigger, ends at once with status OK.
            for name in ["orders", "new"] {
                try await scaler.streamIsActive(scaledObject(staticMetadata, name: name)) { response in
                    var messages = response.messages.makeAsyncIterator()
                    let first = try await messages.next()
                    #expect(first == nil)
                }
                try await scaler.streamMetricSpec(scaledObject(staticMetadata, name: name)) { response in
                    var messages = response.messages.makeAsyncIterator()
                    let first = try await messages.next()
                    #expect(first == nil)
                }
            }
        }
    }

    @Test("an open stream keeps its trigger from being evicted")
    func watchedTriggersStay() async throws {
        let registry = TriggerRegistry(configuration: .init(idleTimeout: .zero), sources: StaticSources())
        try await withScaler(registry: registry) { scaler in
            try await scaler.streamIsActive(scaledObject(staticMetadata)) { response in
                var messages = response.messages.makeAsyncIterator()
                _ = try await messages.next()
                try await Task.sleep(for: .milliseconds(5))
                #expect(registry.evictIdle() == 0)
                #expect(registry.count == 1)
            }
        }
    }

    @Test("ending a watch (the client went away) makes the trigger evictable again")
    func endedWatchIsEvictable() async throws {
        let clock = Mutex(Duration.zero)
        let registry = TriggerRegistry(
            configuration: .init(idleTimeout: .seconds(60)), sources: StaticSources(), observers: nil, actuator: nil,
            replicaCounts: nil, uptime: { clock.withLock { $0 } })
        let trigger = try registry.trigger(namespace: "shop", name: "orders", metadata: staticMetadata)
        let (updates, end) = trigger.watch()
        var iterator = updates.makeAsyncIterator()
        #expect(await iterator.next() != nil)
        clock.withLock { $0 = .seconds(61) }
        #expect(registry.evictIdle() == 0)
        end()
        #expect(await iterator.next() == nil)
        #expect(trigger.watcherCount == 0)
        #expect(registry.evictIdle() == 1)
    }
}
