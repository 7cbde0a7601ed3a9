import CRdKafka
import PrescaleCore
import Synchronization

/// One consumer group's committed offsets, asked for through the cluster's shared client with the
/// Admin API's ListConsumerGroupOffsets (one OffsetFetch to the group coordinator per chunk of
/// partitions), so that reading a group costs no client, connection or thread of its own.
///
/// The answer arrives on librdkafka's background thread. A caller waits for it at most its request
/// timeout (``result(within:)``) and may wait again later: the fetch stays in flight until librdkafka
/// answers, so a slow coordinator never gets a second request for the same read.
///
/// librdkafka 2.0.2 aborts the process if an Admin request times out while it still waits for its
/// group coordinator and that coordinator then comes up (a use-after-free in
/// `rd_kafka_admin_coord_request`, fixed upstream after 2.14). So the request's own timeout is the
/// longest librdkafka allows (``KafkaClientSettings/adminRequestTimeoutMilliseconds``) and never
/// fires: ``KafkaCluster`` replaces a client whose oldest fetch has waited three quarters of it.
final class KafkaCommittedFetch: Sendable {
    private struct State {
        var remaining: Int
        var offsets: [TopicPartition: Int64] = [:]
        var failure: KafkaError?
        var waiters: [Int: CheckedContinuation<Result<[TopicPartition: Int64], KafkaError>?, Never>] = [:]
        var nextWaiter = 0

        var result: Result<[TopicPartition: Int64], KafkaError>? {
            if let failure { return .failure(failure) }
            return self.remaining == 0 ? .success(self.offsets) : nil
        }
    }

    /// Requests in flight, by the opaque value their answers carry.
    private struct Registry {
        /// Each request's fetch, its client (``KafkaHandle/id``) and when it was sent.
        var requests: [UInt: (fetch: KafkaCommittedFetch, client: UInt, started: Double)] = [:]
        var nextID: UInt = 1
    }

    private static let registry = Mutex(Registry())

    let group: String
    /// When the fetch was sent (``MonotonicTime``).
    let started: Double
    private let state: Mutex<State>

    private init(group: String, parts: Int, started: Double) {
        self.group = group
        self.started = started
        self.state = Mutex(State(remaining: parts))
    }

    /// Sends one request per chunk of `partitions` on `handle` and returns the fetch that collects them.
    /// Partitions without a committed offset map to ``KafkaOffsets/invalidOffset``.
    static func start(on handle: KafkaHandle, group: String, partitions: [TopicPartition], now: Double) throws(KafkaError)
        -> KafkaCommittedFetch
    {
        let chunk = handle.settings.partitionsPerRequest
        let chunks = stride(from: 0, to: partitions.count, by: chunk).map { start in
            Array(partitions[start..<min(start + chunk, partitions.count)])
        }
        let fetch = KafkaCommittedFetch(group: group, parts: chunks.count, started: now)
        var errorText = [CChar](repeating: 0, count: 512)
        for part in chunks {
            guard let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS) else {
                throw KafkaError(.configuration, "cannot create Admin options for group \"\(group)\"")
            }
            defer { rd_kafka_AdminOptions_destroy(options) }
            let timeout = Int32(handle.settings.adminRequestTimeoutMilliseconds)
            guard rd_kafka_AdminOptions_set_request_timeout(options, timeout, &errorText, errorText.count) == RD_KAFKA_RESP_ERR_NO_ERROR
            else {
                throw KafkaError(.configuration, "librdkafka refused the Admin request timeout: \(String(errorBuffer: errorText))")
            }
            let id = Self.registry.withLock { registry -> UInt in
                let id = registry.nextID
                registry.nextID += 1
                registry.requests[id] = (fetch, handle.id, now)
                return id
            }
            rd_kafka_AdminOptions_set_opaque(options, UnsafeMutableRawPointer(bitPattern: id))
            let list = rd_kafka_topic_partition_list_new(Int32(part.count))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for partition in part { _ = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
            var request: OpaquePointer? = rd_kafka_ListConsumerGroupOffsets_new(group, list)
            rd_kafka_ListConsumerGroupOffsets(handle.pointer, &request, 1, options, handle.backgroundQueue)
            rd_kafka_ListConsumerGroupOffsets_destroy(request)
        }
        return fetch
    }

    /// The start time of the oldest request still in flight on `handle`, if any.
    static func oldestInFlight(on handle: KafkaHandle) -> Double? {
        let client = handle.id
        return self.registry.withLock { registry in
            registry.requests.values.lazy.filter { $0.client == client }.map(\.started).min()
        }
    }

    /// An answer from the background thread.
    static func deliver(_ event: OpaquePointer) {
        let id = UInt(bitPattern: rd_kafka_event_opaque(event))
        guard let entry = Self.registry.withLock({ $0.requests.removeValue(forKey: id) }) else { return }
        let fetch = entry.fetch
        let action = "reading committed offsets of group \"\(fetch.group)\""
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return fetch.complete(.failure(KafkaError(err, while: action))) }
        guard let result = rd_kafka_event_ListConsumerGroupOffsets_result(event) else {
            return fetch.complete(.failure(KafkaError(.request, "\(action): no result in librdkafka's answer")))
        }
        var count = 0
        guard let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count), count > 0, let group = groups[0] else {
            return fetch.complete(.failure(KafkaError(.request, "\(action): no group in librdkafka's answer")))
        }
        if let error = rd_kafka_group_result_error(group) {
            return fetch.complete(.failure(KafkaError(rd_kafka_error_code(error), while: action)))
        }
        var offsets: [TopicPartition: Int64] = [:]
        if let list = rd_kafka_group_result_partitions(group) {
            offsets.reserveCapacity(Int(list.pointee.cnt))
            for index in 0..<Int(list.pointee.cnt) {
                let element = list.pointee.elems[index]
                let key = TopicPartition(String(cString: element.topic), element.partition)
                offsets[key] =
                    element.err == RD_KAFKA_RESP_ERR_NO_ERROR && element.offset >= 0 ? element.offset : KafkaOffsets.invalidOffset
            }
        }
        fetch.complete(.success(offsets))
    }

    /// Fails every request still in flight on a destroyed client.
    static func abandon(client: UInt) {
        let abandoned = self.registry.withLock { registry -> [KafkaCommittedFetch] in
            let ids = registry.requests.filter { $0.value.client == client }.map(\.key)
            return ids.compactMap { registry.requests.removeValue(forKey: $0)?.fetch }
        }
        for fetch in abandoned {
            fetch.complete(
                .failure(KafkaError(.unreachable, "reading committed offsets of group \"\(fetch.group)\": the Kafka client was replaced")))
        }
    }

    private func complete(_ part: Result<[TopicPartition: Int64], KafkaError>) {
        let (result, waiters) = self.state.withLock {
            state -> (
                Result<[TopicPartition: Int64], KafkaError>?, [CheckedContinuation<Result<[TopicPartition: Int64], KafkaError>?, Never>]
            ) in
            guard state.result == nil else { return (nil, []) }
            switch part {
            case .success(let offsets):
                state.offsets.merge(offsets) { $1 }
                state.remaining -= 1
            case .failure(let error):
                state.failure = error
            }
            guard let result = state.result else { return (nil, []) }
            defer { state.waiters = [:] }
            return (result, Array(state.waiters.values))
        }
        guard let result else { return }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Whether the answer (or a failure) has arrived.
    var isDone: Bool { self.state.withLock { $0.result != nil } }

    /// The answer, or `nil` if it has not come within `timeout` (or the caller was cancelled).
    func result(within timeout: Duration) async -> Result<[TopicPartition: Int64], KafkaError>? {
        await withTaskGroup(of: Result<[TopicPartition: Int64], KafkaError>?.self) { group in
            group.addTask { await self.result() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// The answer once it comes; `nil` if the caller is cancelled first.
    private func result() async -> Result<[TopicPartition: Int64], KafkaError>? {
        let id = Mutex<Int?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = self.state.withLock { state -> Result<[TopicPartition: Int64], KafkaError>?? in
                    if let result = state.result { return .some(result) }
                    if Task.isCancelled { return .some(nil) }
                    let waiter = state.nextWaiter
                    state.nextWaiter += 1
                    state.waiters[waiter] = continuation
                    id.withLock { $0 = waiter }
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state in
                id.withLock { $0 }.flatMap { state.waiters.removeValue(forKey: $0) }
            }
            waiter?.resume(returning: nil)
        }
    }
}
