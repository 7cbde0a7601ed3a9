import NIOCore
import NIOHTTP2
import Synchronization

/// Bounds what one client can hold on the gRPC listener before and besides its RPCs.
///
/// - A connection must finish its handshake (TLS, if on, then the HTTP/2 client preface and its first
///   SETTINGS frame) within ``Configuration/handshakeTimeout`` of being accepted, or it is closed. The
///   transport's idle timeout and keepalive only start once HTTP/2 is up, so without this a client that
///   opens TCP and stays silent, or sends a byte now and then, would hold its socket for ever.
/// - At most ``Configuration/maximumConnectionsPerAddress`` connections from one IP address are open at
///   once; a connection past it is closed as soon as it is accepted.
///
/// It runs from the transport's accept callback, on the connection's event loop.
final class ConnectionGuard: Sendable {
    /// The two bounds.
    struct Configuration: Sendable, Equatable {
        /// `--handshake-timeout`. Default: 5 s.
        var handshakeTimeout: Duration = .seconds(5)
        /// `--max-connections-per-address`. Default: 64.
        var maximumConnectionsPerAddress: Int = 64
    }

    /// Why a connection was closed by the guard: the `reason` label of
    /// `prescale_grpc_connections_refused_total`.
    enum Refusal: String, Sendable, CaseIterable {
        case handshakeTimeout = "handshake_timeout"
        case perAddressLimit = "per_address_limit"
    }

    let configuration: Configuration
    private let open = Mutex<[String: Int]>([:])
    private let onRefusal: @Sendable (Refusal) -> Void

    init(configuration: Configuration, onRefusal: @escaping @Sendable (Refusal) -> Void = { _ in }) {
        self.configuration = configuration
        self.onRefusal = onRefusal
    }

    /// Connections open per address now (for tests and the soak).
    func openConnections(from address: String) -> Int {
        self.open.withLock { $0[address, default: 0] }
    }

    /// Called for each accepted connection after the transport has built its pipeline.
    func accept(_ channel: any Channel) -> EventLoopFuture<Void> {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let admitted = self.open.withLock { open -> Bool in
            let count = open[address, default: 0]
            guard count < self.configuration.maximumConnectionsPerAddress else { return false }
            open[address] = count + 1
            return true
        }
        guard admitted else {
            self.onRefusal(.perAddressLimit)
            channel.close(promise: nil)
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        channel.closeFuture.whenComplete { _ in
            self.open.withLock { open in
                let remaining = open[address, default: 1] - 1
                open[address] = remaining > 0 ? remaining : nil
            }
        }
        return channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            let http2 = try sync.handler(type: NIOHTTP2Handler.self)
            let deadline = HandshakeDeadlineHandler(timeout: TimeAmount(self.configuration.handshakeTimeout)) { [onRefusal] in
                onRefusal(.handshakeTimeout)
            }
            try sync.addHandler(deadline, position: .before(http2))
        }
    }
}

/// Closes the connection unless the HTTP/2 client preface and the frame after it (SETTINGS) have fully
/// arrived before the deadline; then removes itself, so it costs nothing afterwards.
final class HandshakeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`.
    static let prefaceLength = 24
    static let frameHeaderLength = 9

    private let timeout: TimeAmount
    private let onTimeout: @Sendable () -> Void
    private var received = 0
    /// The bytes needed before the handshake counts as done, once the first frame's length is known.
    private var needed: Int?
    /// The first frame's header, gathered across reads.
    private var header: [UInt8] = []
    private var timer: Scheduled<Void>?
    private var done = false

    init(timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let onTimeout = self.onTimeout
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: self.timeout) {
            onTimeout()
            loopBound.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.done {
            let buffer = self.unwrapInboundIn(data)
            self.observe(buffer)
        }
        context.fireChannelRead(data)
        if self.done {
            self.timer?.cancel()
            self.timer = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func observe(_ buffer: ByteBuffer) {
        let start = self.received
        self.received += buffer.readableBytes
        let headerStart = Self.prefaceLength
        let headerEnd = headerStart + Self.frameHeaderLength
        if self.needed == nil, self.received > headerStart, start < headerEnd {
            let from = max(start, headerStart)
            let to = min(self.received, headerEnd)
            if let bytes = buffer.getBytes(at: buffer.readerIndex + (from - start), length: to - from) {
                self.header.append(contentsOf: bytes)
            }
            if self.header.count == Self.frameHeaderLength {
                let length = Int(self.header[0]) << 16 | Int(self.header[1]) << 8 | Int(self.header[2])
                self.needed = headerEnd + length
            }
        }
        if let needed = self.needed, self.received >= needed {
            self.done = true
        }
    }
}
