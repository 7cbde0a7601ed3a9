import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// Runs the gRPC server as a lifecycle ``Service``.
///
/// On graceful shutdown it reports not-ready, ends every push stream (so KEDA sees a clean end of
/// stream, not an error), then lets the server finish the RPCs in flight and stop.
struct GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let registry: TriggerRegistry
    let readiness: Readiness
    let address: HostAndPort
    let logger: Logger

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    do {
                        try await self.server.serve()
                    } catch {
                        throw ListenerError(setting: "--grpc-address", address: self.address, error: error)
                    }
                }
                // A bind failure is thrown by serve() with the real cause; this side only reports success.
                if let address = try? await self.server.listeningAddress {
                    self.readiness.grpcIsListening()
                    self.logger.info("gRPC listening", metadata: ["address": "\(Self.describe(address))"])
                }
            }
        } onGracefulShutdown: {
            self.logger.info("draining: ending push streams and finishing RPCs in flight")
            self.readiness.beginDraining()
            self.registry.beginDraining()
            self.server.beginGracefulShutdown()
        }
    }

    static func describe(_ address: (any Sendable)?) -> String {
        guard let address else { return "unknown" }
        if let socket = address as? GRPCNIOTransportCore.SocketAddress {
            if let ipv4 = socket.ipv4 { return "\(ipv4.host):\(ipv4.port)" }
            if let ipv6 = socket.ipv6 { return "[\(ipv6.host)]:\(ipv6.port)" }
        }
        return "\(address)"
    }
}
