import Foundation
import Logging
import PrescaleCore
import Synchronization

/// Keeps what predicting triggers learned in ConfigMaps of Prescale's own namespace, so that a restart,
/// a rollout or a failover does not forget it.
///
/// The entries are spread over ``Configuration/shards`` ConfigMaps named `<prefix>-0` … `<prefix>-3`
/// (1 MiB each at most, as the API server allows), which the install creates empty; Prescale needs only
/// `get` and `update` on exactly those names, never `create` or `delete`. ``load()`` reads them all
/// once at start-up; ``saved(key:identity:)`` answers from memory when a trigger is first seen.
/// ``write(_:)`` merges records into each shard: read, replace the entries it writes (the newer wins, so
/// two replicas serving the same trigger keep the latest of the two), keep every other entry, and
/// replace the ConfigMap guarded by its `resourceVersion`, retrying on a conflict, so that no replica
/// loses another's update. Bad or foreign entries (unparseable, another version, another trigger's) are
/// logged once and never trusted; entries not written for ``Configuration/maximumAge`` are dropped.
public final class LearnedStateStore: LearnedStateStorage {
    /// The store's settings.
    public struct Configuration: Sendable {
        /// How many ConfigMaps hold the entries.
        public static let shards = 4
        /// Prescale's own namespace.
        public var namespace: String
        /// The ConfigMaps' name prefix (`--learned-state`). Default `prescale-learned`.
        public var prefix: String
        /// Entries not written for this long are dropped (their ScaledObjects are gone). Default 7 days.
        public var maximumAge: Duration
        /// The most bytes of entries one ConfigMap takes; the oldest entries go first. Default 900,000
        /// (below the API server's 1 MiB object limit).
        public var maximumBytes: Int

        /// Creates settings with the documented defaults.
        public init(
            namespace: String, prefix: String = "prescale-learned", maximumAge: Duration = .seconds(7 * 86_400), maximumBytes: Int = 900_000
        ) {
            self.namespace = namespace
            self.prefix = prefix
            self.maximumAge = maximumAge
            self.maximumBytes = maximumBytes
        }

        /// The ConfigMap of shard `index`.
        public func name(ofShard index: Int) -> String { "\(self.prefix)-\(index)" }

        /// The shard a data key lives in.
        public func shard(of key: String) -> Int { Int(StableHash.fnv1a(key) % UInt64(Self.shards)) }
    }

    /// What is stored under each data key (JSON).
    struct Entry: Codable, Sendable {
        var identity: String
        /// Seconds since 1970 when it was written.
        var savedAt: Double
        var state: LearnedState
    }

    private struct State {
        var loaded: [String: Entry] = [:]
        var refused: Set<String> = []
        var unavailable: Set<Int> = []
    }

    /// The settings.
    public let configuration: Configuration
    let api: any ConfigMapAPI
    let logger: Logger
    private let state = Mutex(State())

    /// `ConfigMaps <namespace>/<prefix>-0…3`, for the startup log.
    public var location: String {
        "ConfigMaps \(self.configuration.namespace)/\(self.configuration.prefix)-0…\(Configuration.shards - 1)"
    }

    /// Creates a store over `api`.
    public init(configuration: Configuration, api: any ConfigMapAPI, logger: Logger) {
        self.configuration = configuration
        self.api = api
        self.logger = logger
    }

    /// Reads every shard; a shard that cannot be read is logged (with what to do) and skipped.
    public func load() async {
        var loaded: [String: Entry] = [:]
        var ignored = 0
        for index in 0..<Configuration.shards {
            let name = self.configuration.name(ofShard: index)
            do throws(KubernetesError) {
                let record = try await self.api.configMap(namespace: self.configuration.namespace, name: name)
                for (key, text) in record.data {
                    switch Self.decode(text) {
                    case .success(let entry): loaded[key] = entry
                    case .failure(let problem):
                        ignored += 1
                        self.logger.warning(
                            "ignoring learned state \(key) in ConfigMap \(name): \(problem)",
                            metadata: ["configMap": "\(name)", "key": "\(key)"])
                    }
                }
            } catch {
                self.state.withLock { _ = $0.unavailable.insert(index) }
                self.logger.warning(
                    "cannot read learned state from ConfigMap \(self.configuration.namespace)/\(name): \(error.message); what triggers learn is not kept across restarts until it can be (the install creates the ConfigMap and grants get and update on it)",
                    metadata: ["configMap": "\(name)", "code": "\(error.code)"])
            }
        }
        self.state.withLock { $0.loaded = loaded }
        self.logger.info(
            "learned state loaded",
            metadata: [
                "triggers": "\(loaded.count)", "ignored": "\(ignored)",
                "configMaps": "\(self.configuration.prefix)-0…\(Configuration.shards - 1)",
            ])
    }

    /// What was saved for a trigger, if it can be trusted: the entry under `key` whose identity is
    /// `identity`. A foreign entry under the key is logged once and ignored.
    public func saved(key: String, identity: String) -> LearnedState? {
        let (entry, firstRefusal) = self.state.withLock { state -> (Entry?, Bool) in
            guard let entry = state.loaded[key] else { return (nil, false) }
            if entry.identity == identity { return (entry, false) }
            return (nil, state.refused.insert(key).inserted)
        }
        if firstRefusal {
            self.logger.warning(
                "ignoring learned state \(key): it is for \(self.state.withLock { $0.loaded[key]?.identity ?? "" }), not \(identity)")
        }
        return entry?.state
    }

    /// Merges `records` into their shards, now.
    public func write(_ records: [LearnedStateRecord]) async {
        await self.write(records, now: Date())
    }

    /// Merges `records` into their shards, at `now`.
    public func write(_ records: [LearnedStateRecord], now: Date) async {
        let byShard = Dictionary(grouping: records) { self.configuration.shard(of: $0.key) }
        for (index, shardRecords) in byShard.sorted(by: { $0.key < $1.key }) {
            await self.write(shardRecords, shard: index, now: now)
        }
    }

    private func write(_ records: [LearnedStateRecord], shard index: Int, now: Date) async {
        let name = self.configuration.name(ofShard: index)
        let namespace = self.configuration.namespace
        for attempt in 1...4 {
            do throws(KubernetesError) {
                var record = try await self.api.configMap(namespace: namespace, name: name)
                record.data = self.merged(record.data, with: records, now: now.timeIntervalSince1970)
                try await self.api.replaceConfigMap(record, namespace: namespace, name: name)
                if self.state.withLock({ $0.unavailable.remove(index) }) != nil {
                    self.logger.notice("writing learned state to ConfigMap \(namespace)/\(name) again")
                }
                return
            } catch  where error.code == .conflict && attempt < 4 {
                continue  // another replica wrote in between: read its update and merge again
            } catch {
                if self.state.withLock({ $0.unavailable.insert(index).inserted }) {
                    self.logger.warning(
                        "cannot write learned state to ConfigMap \(namespace)/\(name): \(error.message)",
                        metadata: ["configMap": "\(name)", "code": "\(error.code)"])
                }
                return
            }
        }
    }

    /// The shard's data with `records` written over older entries, stale entries dropped, and the
    /// oldest dropped while it is larger than ``Configuration/maximumBytes``.
    func merged(_ data: [String: String], with records: [LearnedStateRecord], now: Double) -> [String: String] {
        var data = data
        for record in records {
            if case .success(let existing) = Self.decode(data[record.key] ?? ""), existing.savedAt > now { continue }
            data[record.key] = Self.encode(Entry(identity: record.identity, savedAt: now, state: record.state))
        }
        let maximumAge = self.configuration.maximumAge.inSeconds
        var dated = data.map { (key: $0.key, text: $0.value, savedAt: (try? Self.decode($0.value).get())?.savedAt) }
        // Unparseable entries (another version's) are kept unless space is short; stale ones are dropped.
        dated.removeAll { $0.savedAt.map { now - $0 > maximumAge } ?? false }
        dated.sort { ($0.savedAt ?? -.infinity) > ($1.savedAt ?? -.infinity) }
        var bytes = 0
        var kept: [String: String] = [:]
        for entry in dated {
            bytes += entry.key.utf8.count + entry.text.utf8.count
            if bytes > self.configuration.maximumBytes { break }
            kept[entry.key] = entry.text
        }
        return kept
    }

    static func encode(_ entry: Entry) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func decode(_ text: String) -> Result<Entry, StoreProblem> {
        guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(text.utf8)) else {
            // A newer format may not decode as this one: say which.
            if let version = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                .flatMap({ ($0["state"] as? [String: Any])?["version"] as? Int }), version != LearnedState.currentVersion
            {
                return .failure(StoreProblem("version \(version), this build reads version \(LearnedState.currentVersion)"))
            }
            return .failure(StoreProblem("not a learned-state entry (\(text.utf8.count) bytes)"))
        }
        if let problem = entry.state.problem { return .failure(StoreProblem(problem)) }
        guard entry.savedAt.isFinite else { return .failure(StoreProblem("no time of writing")) }
        return .success(entry)
    }

    /// Why an entry is not trusted.
    struct StoreProblem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
