// The floor of a gRPC server on swift-nio-http2 on this machine: how many GetMetrics calls per second
// a server can answer when it does only what any gRPC server must, with nothing of grpc-swift.
//
// Per call it decodes the HTTP/2 frames and HPACK headers, decodes the GetMetricsRequest, looks the
// metric up in a dictionary, encodes a GetMetricsResponse and writes response headers, one message and
// trailers. It runs on the connection's event loop, sees frames on the connection channel (no channel
// per stream), returns the connection's flow-control window itself and flushes once per read burst.
// It has none of a real server's duties (deadlines, limits, TLS, keepalive, errors, other methods,
// graceful shutdown), so it is a ceiling for a lean server, not a candidate.
//
//   PRODUCT=HTTP2FloorBenchmark scripts/build-release
//   .build/release/HTTP2FloorBenchmark 7777 /tmp/request.bin   # writes the request h2load sends
//
// scripts/bench-http2-floor runs it beside `prescale serve` and the grpc-go peer (docs/benchmarks.md).
import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import PrescaleProtocol
import SwiftProtobuf

/// Answers GetMetrics from a dictionary, one HTTP/2 frame at a time.
final class GetMetricsFrameHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private static let responseHeaders = HPACKHeaders([(":status", "200"), ("content-type", "application/grpc")])
    private static let trailers = HPACKHeaders([("grpc-status", "0")])

    private let values: [String: Int64]
    /// Request bytes received per open stream.
    private var bodies: [HTTP2StreamID: ByteBuffer] = [:]
    /// DATA bytes not yet returned to the peer's connection window.
    private var unacknowledged = 0
    private var needsFlush = false

    init(values: [String: Int64]) {
        self.values = values
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            if headers.endStream { self.answer(context, stream: frame.streamID) }
        case .data(let data):
            guard case .byteBuffer(var bytes) = data.data else { return }
            self.unacknowledged += bytes.readableBytes
            self.bodies[frame.streamID, default: ByteBuffer()].writeBuffer(&bytes)
            if data.endStream { self.answer(context, stream: frame.streamID) }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.unacknowledged > 0 {
            let update = HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: self.unacknowledged))
            context.write(Self.wrapOutboundOut(update), promise: nil)
            self.unacknowledged = 0
            self.needsFlush = true
        }
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
    }

    private func answer(_ context: ChannelHandlerContext, stream: HTTP2StreamID) {
        var body = self.bodies.removeValue(forKey: stream) ?? ByteBuffer()
        // The 5-byte gRPC prefix (compressed flag, length), then the message.
        body.moveReaderIndex(forwardBy: min(5, body.readableBytes))
        let request = (try? Externalscaler_GetMetricsRequest(serializedBytes: Array(body.readableBytesView))) ?? .init()
        var response = Externalscaler_GetMetricsResponse()
        response.metricValues = [
            .with {
                $0.metricName = request.metricName
                $0.metricValue = self.values[request.metricName] ?? 0
            }
        ]
        let message: [UInt8] = (try? response.serializedBytes()) ?? []
        var out = context.channel.allocator.buffer(capacity: 5 + message.count)
        out.writeInteger(UInt8(0))
        out.writeInteger(UInt32(message.count))
        out.writeBytes(message)
        context.write(
            Self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.responseHeaders)))), promise: nil)
        context.write(Self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(out))))), promise: nil)
        let end = HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.trailers, endStream: true)))
        context.write(Self.wrapOutboundOut(end), promise: nil)
        self.needsFlush = true
    }
}

let arguments = CommandLine.arguments.dropFirst()
guard let port = arguments.first.flatMap(Int.init), let requestPath = arguments.dropFirst().first else {
    FileHandle.standardError.write(Data("usage: HTTP2FloorBenchmark <port> <request file to write>\n".utf8))
    exit(2)
}
// The request h2load sends: one GetMetricsRequest with its gRPC prefix.
let request =
    try Externalscaler_GetMetricsRequest.with {
        $0.scaledObjectRef = .with {
            $0.name = "function-500"
            $0.namespace = "team-0"
        }
        $0.metricName = "static"
    }.serializedBytes() as [UInt8]
try Data([0] + withUnsafeBytes(of: UInt32(request.count).bigEndian, Array.init) + request).write(to: URL(fileURLWithPath: requestPath))

let values = Dictionary(uniqueKeysWithValues: (0..<1000).map { ("s\($0)-static", Int64($0 % 97)) } + [("static", 48)])
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let channel = try await ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server))
            try channel.pipeline.syncOperations.addHandler(GetMetricsFrameHandler(values: values))
        }
    }
    .bind(host: "127.0.0.1", port: port).get()
print("listening on 127.0.0.1:\(channel.localAddress?.port ?? 0)")
try await channel.closeFuture.get()
