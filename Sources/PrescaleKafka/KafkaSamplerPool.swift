import CRdKafka
import Logging
import PrescaleCore
import PrescaleServices
import ServiceLifecycle
import Synchronization

/// Owns every Kafka client and lag sampler of the process.
///
/// - One ``KafkaCluster`` (one librdkafka client) per ``KafkaClientSettings`` (cluster and security),
///   shared by every sampler on that cluster and closed when the last one stops.
/// - One ``KafkaSampler`` per ``KafkaSamplerKey`` (cluster, group, topic), shared by every trigger
///   reading it, stopped when the last trigger leaves (eviction).
///
/// Samplers run as child tasks of ``run()``; the pool is a lifecycle `Service`.
public final class KafkaSamplerPool: Service, Sendable {
    private struct Client {
        var cluster: KafkaCluster
        var samplers: Int
    }

    private struct State {
        var samplers: [KafkaSamplerKey: KafkaSampler] = [:]
        var clients: [KafkaClientSettings: Client] = [:]
    }

    private let state = Mutex(State())
    private let samplerTasks = ChildTasks<KafkaSampler>()
    private let logger: Logger
    /// The most partitions one offsets call of this pool's clients asks about
    /// (``KafkaClientSettings/partitionsPerRequest``).
    public let partitionsPerRequest: Int

    /// Creates an empty pool whose clients ask about at most `partitionsPerRequest` partitions per call.
    public init(
        logger: Logger = Logger(label: "prescale.kafka"),
        partitionsPerRequest: Int = KafkaClientSettings.defaultPartitionsPerRequest
    ) {
        self.logger = logger
        self.partitionsPerRequest = partitionsPerRequest
    }

    /// Runs `body` with the samples for `key`, taken at least every `interval`, and unsubscribes when
    /// `body` returns. The stream ends when the pool stops.
    public func withSamples<Result: Sendable>(
        for key: KafkaSamplerKey,
        interval: Duration,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (AsyncStream<KafkaLagSample>) async throws -> Result
    ) async throws -> Result {
        let (sampler, id, stream) = try self.subscribe(to: key, interval: interval)
        defer { self.unsubscribe(sampler, id: id) }
        return try await body(stream)
    }

    /// How many samplers and clients are live (for metrics and tests).
    public var counts: (samplers: Int, clients: Int) {
        self.state.withLock { ($0.samplers.count, $0.clients.count) }
    }

    /// How many times a cluster's client was replaced because a committed-offsets request waited too
    /// long (``KafkaCluster/replaceIfStuck(now:)``), over the clients live now.
    package var clientReplacements: Int {
        self.state.withLock { $0.clients.values.map(\.cluster.replacements).reduce(0, +) }
    }

    /// Finds or creates the sampler for `key` and subscribes to it under one lock, so a new sampler
    /// never starts without its first subscriber (it would see none and stop at once).
    private func subscribe(
        to key: KafkaSamplerKey,
        interval: Duration
    ) throws(KafkaError) -> (KafkaSampler, Int, AsyncStream<KafkaLagSample>) {
        let result = self.state.withLock { state -> Result<(KafkaSampler, Int, AsyncStream<KafkaLagSample>, Bool), KafkaError> in
            if let existing = state.samplers[key] {
                if let (id, stream) = existing.subscribe(interval: interval) { return .success((existing, id, stream, false)) }
                // Stopped (its last subscriber just left) but not yet released: replace it.
                state.samplers.removeValue(forKey: key)
            }
            let cluster: KafkaCluster
            if var client = state.clients[key.settings] {
                client.samplers += 1
                state.clients[key.settings] = client
                cluster = client.cluster
            } else {
                do throws(KafkaError) {
                    var settings = key.settings
                    settings.partitionsPerRequest = self.partitionsPerRequest
                    cluster = try KafkaCluster(settings: settings, logger: self.logger)
                } catch {
                    return .failure(error)
                }
                state.clients[key.settings] = Client(cluster: cluster, samplers: 1)
            }
            let reader = KafkaLagReader(cluster: cluster, group: key.group, topic: key.topic)
            let sampler = KafkaSampler(key: key, reader: reader)
            state.samplers[key] = sampler
            // A fresh sampler always accepts its first subscriber.
            let (id, stream) = sampler.subscribe(interval: interval)!
            return .success((sampler, id, stream, true))
        }
        let (sampler, id, stream, created) = try result.get()
        if created { self.samplerTasks.start(sampler) }
        return (sampler, id, stream)
    }

    private func unsubscribe(_ sampler: KafkaSampler, id: Int) {
        guard sampler.unsubscribe(id) else { return }
        self.state.withLock { state in
            if state.samplers[sampler.key] === sampler { state.samplers.removeValue(forKey: sampler.key) }
        }
    }

    /// Drops a stopped sampler's share of its client; returns the cluster to close if it was the last.
    private func release(_ sampler: KafkaSampler) -> KafkaCluster? {
        self.state.withLock { state -> KafkaCluster? in
            if state.samplers[sampler.key] === sampler { state.samplers.removeValue(forKey: sampler.key) }
            guard var client = state.clients[sampler.key.settings] else { return nil }
            client.samplers -= 1
            if client.samplers > 0 {
                state.clients[sampler.key.settings] = client
                return nil
            }
            state.clients.removeValue(forKey: sampler.key.settings)
            return client.cluster
        }
    }

    /// Runs every sampler until cancelled or gracefully shut down.
    public func run() async throws {
        await self.samplerTasks.run { sampler in
            await sampler.run(logger: self.logger)
            if let cluster = self.release(sampler) {
                // rd_kafka_destroy can block while it closes connections: not on this pool.
                await cluster.close()
            }
        }
    }
}
