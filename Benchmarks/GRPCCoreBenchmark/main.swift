// A measured prototype: the ExternalScaler's unary RPCs served through gRPC core's C API (libgrpc 1.51)
// from Swift, with Prescale's own trigger registry, decisions and value encoding behind them. It answers
// GetMetricSpec, IsActive and GetMetrics for `static` triggers and nothing else: no push streams, limits,
// TLS, keepalive settings or metrics. It exists to measure how fast a Swift binding of gRPC core serves
// GetMetrics beside the grpc-go and C++ peers (scripts/bench-grpc-core, docs/benchmarks.md).
//
//   GRPCCoreBenchmark serve --grpc-address 127.0.0.1:PORT [--threads N] [other flags are ignored]
import CGRPCCore
import GRPCCore
import PrescaleCore
import PrescaleProtocol
import PrescaleServer
import SwiftProtobuf

#if canImport(Glibc)
    import Glibc
#endif

/// `static` sources only.
struct StaticSources: MetricSourceFactory {
    func makeSource(for spec: TriggerSpec, namespace: String) throws(ScalerError) -> any MetricSource {
        guard case .static(let staticSpec) = spec.source else {
            throw ScalerError(.invalidArgument, "source: this prototype serves only static triggers")
        }
        return StaticSource(spec: staticSpec)
    }
}

enum Method: Int32, CaseIterable {
    case getMetricSpec, isActive, getMetrics

    var path: String {
        switch self {
        case .getMetricSpec: "/externalscaler.ExternalScaler/GetMetricSpec"
        case .isActive: "/externalscaler.ExternalScaler/IsActive"
        case .getMetrics: "/externalscaler.ExternalScaler/GetMetrics"
        }
    }
}

/// What one call answers: the encoded message, or a status and its details.
enum Answer {
    case message([UInt8])
    case failure(grpc_status_code, String)
}

struct Handlers: Sendable {
    let registry: TriggerRegistry

    func trigger(_ ref: Externalscaler_ScaledObjectRef) throws(ScalerError) -> Trigger {
        try self.registry.trigger(namespace: ref.namespace, name: ref.name, metadata: ref.scalerMetadata)
    }

    func answer(_ method: Method, _ bytes: [UInt8]) -> Answer {
        do {
            switch method {
            case .getMetricSpec:
                let ref = try Externalscaler_ScaledObjectRef(serializedBytes: bytes)
                return .message(try ExternalScalerService.metricSpecResponse(for: try self.trigger(ref)).serializedBytes())
            case .isActive:
                let ref = try Externalscaler_ScaledObjectRef(serializedBytes: bytes)
                var response = Externalscaler_IsActiveResponse()
                response.result = try self.trigger(ref).currentDecision().isActive
                return .message(try response.serializedBytes())
            case .getMetrics:
                let request = try Externalscaler_GetMetricsRequest(serializedBytes: bytes)
                let trigger = try self.trigger(request.scaledObjectRef)
                let response = try ExternalScalerService.metricsResponse(for: trigger, requestedName: request.metricName)
                return .message(try response.serializedBytes())
            }
        } catch let error as ScalerError {
            return .failure(error.code == .invalidArgument ? GRPC_STATUS_INVALID_ARGUMENT : GRPC_STATUS_UNAVAILABLE, error.message)
        } catch {
            return .failure(GRPC_STATUS_INVALID_ARGUMENT, "the request is not a valid message: \(error)")
        }
    }
}

/// A completion-queue poller: a thread of its own (never the Swift pool), since `grpc_completion_queue_next` blocks.
final class Poller: @unchecked Sendable {
    let server: OpaquePointer
    let queue: OpaquePointer
    let handlers: Handlers
    /// The largest request read, as the server's default `--max-message-bytes`.
    let maximumRequestBytes = 1 << 20

    init(server: OpaquePointer, queue: OpaquePointer, handlers: Handlers) {
        self.server = server
        self.queue = queue
        self.handlers = handlers
    }

    nonisolated func run() {
        // The server's shutdown notification: nothing more will be queued.
        poll(
            self.queue, shutdownNoticed: { grpc_completion_queue_shutdown(self.queue) },
            completed: { tag, success in
                let slot = tag.assumingMemoryBound(to: pgc_slot.self)
                if slot.pointee.responding != 0 {
                    pgc_slot_finish(slot)
                    _ = pgc_slot_request(self.server, self.queue, slot)
                    return
                }
                guard success else { return }  // shutting down
                let method = Method(rawValue: slot.pointee.method_index)!
                let length = pgc_slot_length(slot)
                let answer: Answer
                if length < 0 || length > self.maximumRequestBytes {
                    answer = .failure(GRPC_STATUS_RESOURCE_EXHAUSTED, "no message, or over \(self.maximumRequestBytes) bytes")
                } else {
                    let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                        count = max(0, pgc_slot_read(slot, buffer.baseAddress, buffer.count))
                    }
                    answer = self.handlers.answer(method, bytes)
                }
                switch answer {
                case .message(let bytes):
                    _ = bytes.withUnsafeBufferPointer { pgc_slot_respond(slot, $0.baseAddress, $0.count, GRPC_STATUS_OK, nil) }
                case .failure(let status, let details):
                    _ = pgc_slot_respond(slot, nil, 0, status, details)
                }
            })
    }
}

var address = "127.0.0.1:6000"
var threads = 2
var slotsPerMethod = 256
var mode = "direct"
var pending = Array(CommandLine.arguments.dropFirst().filter { $0 != "serve" })
while !pending.isEmpty {
    let argument = pending.removeFirst()
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count > 1 ? parts[1] : (pending.first.map { $0.hasPrefix("--") } == false ? pending.removeFirst() : "")
    switch parts[0] {
    case "--grpc-address": address = value
    case "--threads": threads = Int(value) ?? threads
    case "--slots": slotsPerMethod = Int(value) ?? slotsPerMethod
    case "--mode": mode = value
    default: break  // the peers' other flags (--http-address, --log-level, ...) are ignored
    }
}

pgc_catch_termination()
grpc_init()

if mode == "transport" {
    // GRPCServer and the real ExternalScalerService over gRPC core as a ServerTransport.
    let transport = CoreServerTransport(address: address, threads: threads, slotsPerMethod: slotsPerMethod)
    let service = ExternalScalerService(registry: TriggerRegistry(sources: StaticSources()), metrics: ScalerMetrics())
    let grpcServer = GRPCServer(transport: transport, services: [service])
    _ = startThread {
        pgc_wait_for_termination()
        grpcServer.beginGracefulShutdown()
    }
    print("serving \(address) through GRPCServer on gRPC core \(String(cString: grpc_version_string())) with \(threads) poller threads")
    try await grpcServer.serve()
    exit(0)
}

let queue = grpc_completion_queue_create_for_next(nil)!
let server = grpc_server_create(nil, nil)!
grpc_server_register_completion_queue(server, queue, nil)
let methods = Method.allCases.map { method in
    grpc_server_register_method(server, method.path, nil, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0)!
}
guard pgc_add_insecure_port(server, address) != 0 else {
    let message = "cannot listen on \(address)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(1)
}
grpc_server_start(server)
for (index, method) in methods.enumerated() {
    for _ in 0..<slotsPerMethod {
        _ = pgc_slot_request(server, queue, pgc_slot_create(method, Int32(index)))
    }
}
let handlers = Handlers(registry: TriggerRegistry(sources: StaticSources()))
let threadIDs = (0..<threads).map { _ in
    let poller = Poller(server: server, queue: queue, handlers: handlers)
    return startThread { poller.run() }
}
print("serving \(address) on gRPC core \(String(cString: grpc_version_string())) with \(threads) poller threads")
pgc_wait_for_termination()
grpc_server_shutdown_and_notify(server, queue, nil)
grpc_server_cancel_all_calls(server)
for thread in threadIDs { pthread_join(thread, nil) }
grpc_server_destroy(server)
grpc_completion_queue_destroy(queue)
grpc_shutdown()
