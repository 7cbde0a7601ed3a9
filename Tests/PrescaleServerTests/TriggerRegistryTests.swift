import PrescaleCore
import Synchronization
import Testing

@testable import PrescaleServer

/// Counts how often the registry asks for a source, i.e. how often metadata was parsed into a trigger.
final class CountingFactory: MetricSourceFactory {
    let made = Counter()
    func makeSource(for spec: TriggerSpec, namespace: String) throws(ScalerError) -> any MetricSource {
        self.made.increment()
        return try StaticSources().makeSource(for: spec, namespace: namespace)
    }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { self.value.withLock { $0 += 1 } }
    var count: Int { self.value.withLock { $0 } }
}

@Suite("Trigger registry")
struct TriggerRegistryTests {
    @Test("metadata is parsed once per key; later calls reuse the trigger")
    func parsedOnce() throws {
        let factory = CountingFactory()
        let registry = TriggerRegistry(sources: factory)
        let first = try registry.trigger(namespace: "shop", name: "orders", metadata: staticMetadata)
        for _ in 0..<100 {
            let again = try registry.trigger(namespace: "shop", name: "orders", metadata: staticMetadata)
            #expect(again === first)
        }
        #expect(factory.made.count == 1)
    }

    @Test("a changed metadata map, namespace or name is a new trigger")
    func changedMetadataIsNewTrigger() throws {
        let registry = TriggerRegistry(sources: StaticSources())
        let base = try registry.trigger(namespace: "shop", name: "orders", metadata: staticMetadata)
        var changed = staticMetadata
        changed["value"] = "26"
        #expect(try registry.trigger(namespace: "shop", name: "orders", metadata: changed) !== base)
        #expect(try registry.trigger(namespace: "shop2", name: "orders", metadata: staticMetadata) !== base)
        #expect(try registry.trigger(namespace: "shop", name: "orders2", metadata: staticMetadata) !== base)
        #expect(registry.count == 4)
    }

    @Test("idle triggers are evicted and asked-for ones stay")
    func eviction() throws {
        let clock = Mutex(Duration.zero)
        let registry = TriggerRegistry(
            configuration: .init(idleTimeout: .seconds(60)), sources: StaticSources(), observers: nil, actuator: nil,
            replicaCounts: nil, uptime: { clock.withLock { $0 } }
        )
        _ = try registry.trigger(namespace: "shop", name: "old", metadata: staticMetadata)
        _ = try registry.trigger(namespace: "shop", name: "asked", metadata: staticMetadata)
        clock.withLock { $0 = .seconds(60) }
        // Exactly the idle timeout is not past it.
        #expect(registry.evictIdle() == 0)
        clock.withLock { $0 = .seconds(61) }
        _ = try registry.trigger(namespace: "shop", name: "asked", metadata: staticMetadata)
        _ = try registry.trigger(namespace: "shop", name: "fresh", metadata: staticMetadata)
        #expect(registry.evictIdle() == 1)
        #expect(registry.count == 2)
        #expect(registry.countsBySource() == [.static: 2])
        clock.withLock { $0 = .seconds(122) }
        #expect(registry.evictIdle() == 2)
        #expect(registry.count == 0)
    }

    @Test("past the trigger limit new triggers are RESOURCE_EXHAUSTED naming the limit")
    func triggerLimit() throws {
        let registry = TriggerRegistry(configuration: .init(maximumTriggers: 2), sources: StaticSources())
        _ = try registry.trigger(namespace: "a", name: "1", metadata: staticMetadata)
        _ = try registry.trigger(namespace: "a", name: "2", metadata: staticMetadata)
        #expect {
            _ = try registry.trigger(namespace: "a", name: "3", metadata: staticMetadata)
        } throws: { error in
            guard let error = error as? ScalerError else { return false }
            return error.code == .resourceExhausted && error.message.contains("--max-triggers")
        }
        // Existing triggers still answer.
        _ = try registry.trigger(namespace: "a", name: "1", metadata: staticMetadata)
    }

    @Test("evicting a trigger removes its /metrics series")
    func evictionRemovesSeries() async throws {
        let metrics = ScalerMetrics()
        let clock = Mutex(Duration.zero)
        let registry = TriggerRegistry(
            configuration: .init(idleTimeout: .seconds(60)), sources: StaticSources(), observers: metrics, actuator: nil,
            replicaCounts: nil, uptime: { clock.withLock { $0 } })
        _ = try registry.trigger(namespace: "shop", name: "orders", metadata: staticMetadata)
        let scrape = metrics.registry.emitToString()
        #expect(
            scrape.contains("prescale_trigger_value{namespace=\"shop\",scaledobject=\"orders\",metric=\"static\",source=\"static\"} 25"))
        #expect(
            scrape.contains("prescale_trigger_active{namespace=\"shop\",scaledobject=\"orders\",metric=\"static\",source=\"static\"} 1"))
        #expect(
            scrape.contains(
                "prescale_trigger_desired_replicas{namespace=\"shop\",scaledobject=\"orders\",metric=\"static\",source=\"static\"} 3"))
        clock.withLock { $0 = .seconds(61) }
        #expect(registry.evictIdle() == 1)
        #expect(!metrics.registry.emitToString().contains("scaledobject=\"orders\""))
    }

    @Test("per-trigger series stop at the cardinality cap and are counted as dropped")
    func seriesCap() throws {
        let metrics = ScalerMetrics(maximumTriggerSeries: 1)
        let registry = TriggerRegistry(sources: StaticSources(), observers: metrics)
        _ = try registry.trigger(namespace: "a", name: "1", metadata: staticMetadata)
        _ = try registry.trigger(namespace: "a", name: "2", metadata: staticMetadata)
        let scrape = metrics.registry.emitToString()
        #expect(scrape.contains("scaledobject=\"1\""))
        #expect(!scrape.contains("scaledobject=\"2\""))
        #expect(scrape.contains("prescale_trigger_series_dropped_total 1"))
    }
}

@Suite("Trigger registry bounds")
struct TriggerRegistryBoundsTests {
    @Test("too many metadata keys or bytes, or triggers in one namespace, are RESOURCE_EXHAUSTED naming the limit")
    func bounds() throws {
        let registry = TriggerRegistry(
            configuration: .init(maximumTriggersPerNamespace: 2, maximumMetadataKeys: 8, maximumMetadataBytes: 2_048),
            sources: StaticSources()
        )
        var many = staticMetadata
        for index in 0..<8 { many["extra\(index)"] = "x" }
        let keys = #expect(throws: ScalerError.self) { try registry.trigger(namespace: "a", name: "o", metadata: many) }
        #expect(keys?.code == .resourceExhausted)
        #expect(keys?.message.contains("--max-metadata-keys") == true)
        var big = staticMetadata
        big["note"] = String(repeating: "x", count: 4_000)
        let bytes = #expect(throws: ScalerError.self) { try registry.trigger(namespace: "a", name: "o", metadata: big) }
        #expect(bytes?.code == .resourceExhausted)
        #expect(bytes?.message.contains("--max-metadata-bytes") == true)
        _ = try registry.trigger(namespace: "team", name: "one", metadata: staticMetadata)
        _ = try registry.trigger(namespace: "team", name: "two", metadata: staticMetadata)
        let third = #expect(throws: ScalerError.self) { try registry.trigger(namespace: "team", name: "three", metadata: staticMetadata) }
        #expect(third?.code == .resourceExhausted)
        #expect(third?.message.contains("--max-triggers-per-namespace") == true)
        // Other namespaces are unaffected.
        _ = try registry.trigger(namespace: "other", name: "one", metadata: staticMetadata)
    }

    @Test("evicting a namespace's triggers frees its slots")
    func evictionFreesSlots() throws {
        let registry = TriggerRegistry(configuration: .init(idleTimeout: .zero, maximumTriggersPerNamespace: 1), sources: StaticSources())
        _ = try registry.trigger(namespace: "team", name: "one", metadata: staticMetadata)
        #expect(registry.evictIdle() == 1)
        _ = try registry.trigger(namespace: "team", name: "two", metadata: staticMetadata)
    }
}
