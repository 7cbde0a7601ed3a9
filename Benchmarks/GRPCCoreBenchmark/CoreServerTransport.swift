import CGRPCCore
import GRPCCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The second prototype: gRPC core as a grpc-swift-2 `ServerTransport`, so that `GRPCServer` and the
/// real `ExternalScalerService` run unchanged above it (deadlines, status codes, handlers, push streams).
/// Each registered method's calls arrive on poller threads of its own; each becomes an `RPCStream`
/// handed to `listen`'s task group, as grpc-swift-2's in-process transport does. Unknown methods, TLS,
/// limits and cancellation are not handled; which methods stream is told by name (`Stream…`, as the
/// ExternalScaler's are), since a method descriptor does not say.
final class CoreServerTransport: ServerTransport, Sendable {
    typealias Bytes = [UInt8]

    let address: String
    let threads: Int
    let slotsPerMethod: Int
    private let methods = Mutex<[MethodDescriptor]>([])
    private let newStreams: AsyncStream<RPCStream<Inbound, Outbound>>
    private let newStreamsContinuation: AsyncStream<RPCStream<Inbound, Outbound>>.Continuation
    private let running = Mutex<CoreHandles?>(nil)

    init(address: String, threads: Int, slotsPerMethod: Int) {
        self.address = address
        self.threads = threads
        self.slotsPerMethod = slotsPerMethod
        (self.newStreams, self.newStreamsContinuation) = AsyncStream.makeStream()
    }

    func configure(context: GRPCServerContext) {
        self.methods.withLock { $0 = context.methods }
    }

    func listen(
        streamHandler: @escaping @Sendable (_ stream: RPCStream<Inbound, Outbound>, _ context: ServerContext) async -> Void
    ) async throws {
        let descriptors = self.methods.withLock { $0 }
        let queue = grpc_completion_queue_create_for_next(nil)!
        let server = grpc_server_create(nil, nil)!
        grpc_server_register_completion_queue(server, queue, nil)
        let registered = descriptors.map {
            grpc_server_register_method(server, "/\($0.fullyQualifiedMethod)", nil, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0)!
        }
        guard pgc_add_insecure_port(server, self.address) != 0 else {
            throw RPCError(code: .unavailable, message: "cannot listen on \(self.address)")
        }
        grpc_server_start(server)
        self.running.withLock { $0 = CoreHandles(server: server, queue: queue) }
        for (index, method) in registered.enumerated() {
            for _ in 0..<self.slotsPerMethod { _ = pgc_slot_request(server, queue, pgc_slot_create(method, Int32(index))) }
        }
        let shutDown = ShutdownFlag()
        let pollers = (0..<self.threads).map { _ in
            let poller = TransportPoller(
                server: server, queue: queue, descriptors: descriptors, accept: self.newStreamsContinuation, shutDown: shutDown)
            return startThread { poller.run() }
        }
        await withDiscardingTaskGroup { group in
            for await stream in self.newStreams {
                group.addTask {
                    await withServerContextRPCCancellationHandle { handle in
                        await streamHandler(
                            stream, ServerContext(descriptor: stream.descriptor, remotePeer: "", localPeer: "", cancellation: handle))
                    }
                }
            }
        }
        // Every handler has finished; once the server's shutdown has completed nothing more is queued.
        while !shutDown.value.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(10)) }
        grpc_completion_queue_shutdown(queue)
        for thread in pollers { pthread_join(thread, nil) }
        grpc_server_destroy(server)
        grpc_completion_queue_destroy(queue)
    }

    func beginGracefulShutdown() {
        if let handles = self.running.withLock({ $0 }) {
            grpc_server_shutdown_and_notify(handles.server, handles.queue, nil)
        }
        self.newStreamsContinuation.finish()
    }
}

/// A running server and its queue (C pointers, used from the poller threads and the shutdown call).
struct CoreHandles: @unchecked Sendable {
    let server: OpaquePointer
    let queue: OpaquePointer
}

/// The request of a call: its metadata (with `grpc-timeout` from the call's deadline), then its one message.
struct OneRequest: AsyncSequence, Sendable {
    typealias Element = RPCRequestPart<[UInt8]>
    let metadata: Metadata
    let message: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        var parts: [RPCRequestPart<[UInt8]>]
        mutating func next() async throws -> RPCRequestPart<[UInt8]>? { self.parts.isEmpty ? nil : self.parts.removeFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(parts: [.metadata(self.metadata), .message(self.message)]) }
}

/// Resumes the Swift side when a batch completes on a poller thread.
final class BatchCompletion: Sendable {
    let continuation: CheckedContinuation<Bool, Never>
    init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = continuation }
}

/// Writes one call's response parts as gRPC core batches. For a unary method the message is held until
/// the status, so that the answer goes out as one batch; a streaming method's messages go out as they
/// come. Each batch is awaited, which is the flow control a stream needs.
final class CallWriter: ClosableRPCWriterProtocol, @unchecked Sendable {
    typealias Element = RPCResponsePart<[UInt8]>
    private let call: OpaquePointer
    private var initialSent = false
    private var held: [UInt8]?
    private var closed = false
    private let unary: Bool

    init(call: OpaquePointer, unary: Bool) {
        self.call = call
        self.unary = unary
    }

    deinit { grpc_call_unref(self.call) }

    private func send(message: [UInt8]?, status: Int32, details: String?) async throws {
        let initial: Int32 = self.initialSent ? 0 : 1
        self.initialSent = true
        let succeeded = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let context = Unmanaged.passRetained(BatchCompletion(continuation)).toOpaque()
            let batch = pgc_batch_create(context)
            let error: grpc_call_error =
                if let message {
                    message.withUnsafeBufferPointer { pgc_batch_send(self.call, batch, initial, $0.baseAddress, $0.count, status, details) }
                } else {
                    pgc_batch_send(self.call, batch, initial, nil, -1, status, details)
                }
            if error != GRPC_CALL_OK {
                pgc_batch_destroy(batch)
                Unmanaged<BatchCompletion>.fromOpaque(context).release()
                continuation.resume(returning: false)
            }
        }
        guard succeeded else { throw RPCError(code: .cancelled, message: "the call ended") }
    }

    func write(_ element: Element) async throws {
        switch element {
        case .metadata:
            break
        case .message(let bytes):
            if self.unary {
                if let held = self.held { try await self.send(message: held, status: -1, details: nil) }
                self.held = bytes
            } else {
                try await self.send(message: bytes, status: -1, details: nil)
            }
        case .status(let status, _):
            let held = self.held
            self.held = nil
            self.closed = true
            try await self.send(message: held, status: Int32(status.code.rawValue), details: status.message.isEmpty ? nil : status.message)
        }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await self.write(element) }
    }

    func finish() async {
        if !self.closed { try? await self.write(.status(Status(code: .ok, message: ""), [:])) }
    }

    func finish(throwing error: any Error) async {
        if !self.closed { try? await self.write(.status(Status(code: .unknown, message: "\(error)"), [:])) }
    }
}

/// Set by a poller when the server's shutdown has completed.
final class ShutdownFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// A completion-queue poller of the transport: new calls become streams, completed batches resume their writer.
final class TransportPoller: @unchecked Sendable {
    let server: OpaquePointer
    let queue: OpaquePointer
    let descriptors: [MethodDescriptor]
    let accept: AsyncStream<RPCStream<CoreServerTransport.Inbound, CoreServerTransport.Outbound>>.Continuation
    let shutDown: ShutdownFlag

    init(
        server: OpaquePointer, queue: OpaquePointer, descriptors: [MethodDescriptor],
        accept: AsyncStream<RPCStream<CoreServerTransport.Inbound, CoreServerTransport.Outbound>>.Continuation,
        shutDown: ShutdownFlag
    ) {
        self.server = server
        self.queue = queue
        self.descriptors = descriptors
        self.accept = accept
        self.shutDown = shutDown
    }

    nonisolated func run() {
        poll(
            self.queue, shutdownNoticed: { self.shutDown.value.store(true, ordering: .releasing) },
            completed: { tag, success in
                if tag.load(as: Int32.self) == 2 {
                    let batch = tag.assumingMemoryBound(to: pgc_batch.self)
                    let completion = Unmanaged<BatchCompletion>.fromOpaque(batch.pointee.context).takeRetainedValue()
                    pgc_batch_destroy(batch)
                    completion.continuation.resume(returning: success)
                    return
                }
                let slot = tag.assumingMemoryBound(to: pgc_slot.self)
                guard success else { return }  // shutting down
                let length = max(0, pgc_slot_length(slot))
                let message = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                    count = max(0, pgc_slot_read(slot, buffer.baseAddress, buffer.count))
                }
                var metadata = Metadata()
                let timeout = pgc_slot_timeout_ms(slot)
                if timeout >= 0 { metadata.addString("\(timeout)m", forKey: "grpc-timeout") }
                let descriptor = self.descriptors[Int(slot.pointee.method_index)]
                let call = pgc_slot_take_call(slot)!
                _ = pgc_slot_request(self.server, self.queue, slot)
                let stream = RPCStream(
                    descriptor: descriptor,
                    inbound: RPCAsyncSequence<RPCRequestPart<[UInt8]>, any Error>(
                        wrapping: OneRequest(metadata: metadata, message: message)),
                    outbound: RPCWriter.Closable(wrapping: CallWriter(call: call, unary: !descriptor.method.hasPrefix("Stream")))
                )
                self.accept.yield(stream)
            })
    }
}
