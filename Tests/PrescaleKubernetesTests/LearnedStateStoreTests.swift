import Foundation
import Logging
import PrescaleCore
import Synchronization
import Testing

@testable import PrescaleKubernetes

/// ConfigMaps in memory with the API server's optimistic concurrency: a replace whose resourceVersion is
/// not the stored one is 409. `interleave` runs once between a read and the next replace of a map, as a
/// second replica writing at that moment would.
final class InMemoryConfigMaps: ConfigMapAPI, Sendable {
    struct State {
        var maps: [String: ConfigMapRecord] = [:]
        var version = 1
        var conflicts = 0
        var interleave: [String: @Sendable (inout ConfigMapRecord) -> Void] = [:]
    }
    let state = Mutex(State())

    init(names: [String]) {
        self.state.withLock { state in
            for name in names { state.maps[name] = ConfigMapRecord(data: [:], resourceVersion: "1") }
        }
    }

    func configMap(namespace: String, name: String) async throws(KubernetesError) -> ConfigMapRecord {
        try self.state.withLock { state throws(KubernetesError) in
            guard let map = state.maps[name] else { throw KubernetesError(.notFound, "configmaps \"\(name)\" not found") }
            if let change = state.interleave.removeValue(forKey: name) {
                var changed = map
                change(&changed)
                state.version += 1
                changed.resourceVersion = String(state.version)
                state.maps[name] = changed
            }
            return map
        }
    }

    func replaceConfigMap(_ record: ConfigMapRecord, namespace: String, name: String) async throws(KubernetesError) {
        try self.state.withLock { state throws(KubernetesError) in
            guard let current = state.maps[name] else { throw KubernetesError(.notFound, "configmaps \"\(name)\" not found") }
            guard current.resourceVersion == record.resourceVersion else {
                state.conflicts += 1
                throw KubernetesError(.conflict, "the object has been modified")
            }
            state.version += 1
            state.maps[name] = ConfigMapRecord(data: record.data, resourceVersion: String(state.version))
        }
    }

    func data(_ name: String) -> [String: String] { self.state.withLock { $0.maps[name]?.data ?? [:] } }
}

@Suite("Learned state in ConfigMaps")
struct LearnedStateStoreTests {
    static let configuration = LearnedStateStore.Configuration(namespace: "prescale", prefix: "prescale-learned")
    static let names = (0..<LearnedStateStore.Configuration.shards).map { configuration.name(ofShard: $0) }

    static func state(_ rate: Double) -> LearnedState {
        LearnedState(capacitySegments: [rate], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [], forecasterLevels: [])
    }

    static func quietLogger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    @Test("what one process wrote, another loads; an entry for another trigger is not applied")
    func roundTrip() async {
        let maps = InMemoryConfigMaps(names: Self.names)
        let writer = LearnedStateStore(configuration: Self.configuration, api: maps, logger: Self.quietLogger())
        await writer.write([LearnedStateRecord(key: "t-1", identity: "shop/orders/kafka-orders", state: Self.state(5))])
        let reader = LearnedStateStore(configuration: Self.configuration, api: maps, logger: Self.quietLogger())
        #expect(reader.saved(key: "t-1", identity: "shop/orders/kafka-orders") == nil)  // not loaded yet
        await reader.load()
        #expect(reader.saved(key: "t-1", identity: "shop/orders/kafka-orders") == Self.state(5))
        #expect(reader.saved(key: "t-1", identity: "shop/payments/kafka-orders") == nil)
        #expect(reader.saved(key: "t-2", identity: "shop/orders/kafka-orders") == nil)
    }

    @Test("a replica writing between another's read and replace loses nothing: the conflict is retried on its update")
    func concurrentWriters() async {
        let maps = InMemoryConfigMaps(names: Self.names)
        let store = LearnedStateStore(configuration: Self.configuration, api: maps, logger: Self.quietLogger())
        let mine = LearnedStateRecord(key: "t-mine", identity: "a/b/m", state: Self.state(5))
        let shard = Self.configuration.name(ofShard: Self.configuration.shard(of: mine.key))
        let theirs = LearnedStateStore.encode(.init(identity: "c/d/m", savedAt: 1, state: Self.state(7)))
        maps.state.withLock { $0.interleave[shard] = { $0.data["t-theirs"] = theirs } }
        await store.write([mine], now: Date(timeIntervalSince1970: 100))
        #expect(maps.state.withLock { $0.conflicts } == 1)
        let data = maps.data(shard)
        #expect(data["t-theirs"] == theirs)
        #expect(data["t-mine"] != nil)
    }

    @Test("the newer entry wins; stale entries go; the oldest go when a map is full")
    func mergeRules() throws {
        let store = LearnedStateStore(
            configuration: .init(namespace: "prescale", maximumAge: .seconds(1_000), maximumBytes: 400),
            api: InMemoryConfigMaps(names: []), logger: Self.quietLogger())
        let newer = LearnedStateStore.encode(.init(identity: "a/b/m", savedAt: 500, state: Self.state(9)))
        let stale = LearnedStateStore.encode(.init(identity: "e/f/m", savedAt: 10, state: Self.state(3)))
        var merged = store.merged(
            ["t-1": newer, "t-old": stale], with: [LearnedStateRecord(key: "t-1", identity: "a/b/m", state: Self.state(5))], now: 400)
        #expect(merged["t-1"] == newer)  // written later by another replica: kept
        #expect(merged["t-old"] == stale)  // 390 s old: younger than the maximum age
        merged = store.merged(["t-old": stale], with: [], now: 2_000)
        #expect(merged["t-old"] == nil)
        // 400 bytes hold two entries of ~150 bytes; the oldest of three goes.
        let entries = (1...3).map { i in
            ("t-\(i)", LearnedStateStore.encode(.init(identity: "n/s/m", savedAt: Double(1_000 + i), state: Self.state(Double(i)))))
        }
        merged = store.merged(Dictionary(uniqueKeysWithValues: entries), with: [], now: 1_500)
        #expect(Set(merged.keys) == ["t-2", "t-3"])
    }

    @Test(
        "unparseable, newer-version and untrustworthy entries are ignored, never applied",
        arguments: [
            "not json",
            #"{"identity":"a/b/m","savedAt":1,"state":{"version":2,"capacitySegments":[1],"capacitySegmentCount":1,"burstPeaks":[],"burstDurations":[],"forecasterLevels":[]}}"#,
            #"{"identity":"a/b/m","savedAt":1,"state":{"version":1,"capacitySegments":[-4],"capacitySegmentCount":1,"burstPeaks":[],"burstDurations":[],"forecasterLevels":[]}}"#,
        ])
    func badEntries(_ text: String) async {
        let maps = InMemoryConfigMaps(names: Self.names)
        for name in Self.names { maps.state.withLock { $0.maps[name]!.data["t-x"] = text } }
        let store = LearnedStateStore(configuration: Self.configuration, api: maps, logger: Self.quietLogger())
        await store.load()
        #expect(store.saved(key: "t-x", identity: "a/b/m") == nil)
        #expect(!LearnedStateStore.decode(text).isSuccess)
    }

    @Test("a missing ConfigMap is skipped at load and at write, without failing the others")
    func missingMap() async {
        let maps = InMemoryConfigMaps(names: Array(Self.names.dropFirst()))
        let store = LearnedStateStore(configuration: Self.configuration, api: maps, logger: Self.quietLogger())
        await store.load()
        let records = (0..<40).map { LearnedStateRecord(key: "t-\($0)", identity: "n/s/\($0)", state: Self.state(1)) }
        await store.write(records)
        let written = Self.names.dropFirst().reduce(0) { $0 + maps.data($1).count }
        let lost = records.filter { Self.configuration.shard(of: $0.key) == 0 }.count
        #expect(lost > 0 && written == records.count - lost)
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

@Suite("Learned state through the API server")
struct LearnedStateThroughAPITests {
    @Test(
        "the client reads and replaces ConfigMaps over HTTPS; a stale resourceVersion is 409; a forbidden map is skipped, not fatal"
    )
    func throughTheAPI() async throws {
        try await withFakeAPI { api in
            let configuration = LearnedStateStore.Configuration(namespace: "prescale")
            for index in 0..<LearnedStateStore.Configuration.shards {
                api.addConfigMap(namespace: "prescale", name: configuration.name(ofShard: index))
            }
            let client = try makeClient(for: api)
            let store = LearnedStateStore(configuration: configuration, api: client, logger: LearnedStateStoreTests.quietLogger())
            let record = LearnedStateRecord(key: "t-abc", identity: "shop/orders/kafka-orders", state: LearnedStateStoreTests.state(4))
            await store.write([record])
            let shard = configuration.name(ofShard: configuration.shard(of: record.key))
            #expect(api.configMapData(namespace: "prescale", name: shard)?["t-abc"]?.contains("shop/orders/kafka-orders") == true)
            #expect(api.requests.contains { $0.method == "PUT" && $0.path == "/api/v1/namespaces/prescale/configmaps/\(shard)" })

            let reader = LearnedStateStore(configuration: configuration, api: client, logger: LearnedStateStoreTests.quietLogger())
            await reader.load()
            #expect(reader.saved(key: "t-abc", identity: "shop/orders/kafka-orders") == LearnedStateStoreTests.state(4))

            // Two writers: the one holding an old resourceVersion is refused.
            let stale = try await client.configMap(namespace: "prescale", name: shard)
            await store.write([
                LearnedStateRecord(key: "t-abc", identity: "shop/orders/kafka-orders", state: LearnedStateStoreTests.state(5))
            ])
            let error = await #expect(throws: KubernetesError.self) {
                try await client.replaceConfigMap(stale, namespace: "prescale", name: shard)
            }
            #expect(error?.code == .conflict)

            // RBAC without the ConfigMaps: loading and writing go on without them.
            api.forbid(verb: "get", resource: "configmaps")
            let denied = LearnedStateStore(configuration: configuration, api: client, logger: LearnedStateStoreTests.quietLogger())
            await denied.load()
            #expect(denied.saved(key: "t-abc", identity: "shop/orders/kafka-orders") == nil)
            await denied.write([record])
            await client.shutdown()
        }
    }
}
