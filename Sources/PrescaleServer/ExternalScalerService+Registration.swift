import GRPCCore
import GRPCProtobuf
import PrescaleProtocol
import SwiftProtobuf

extension ExternalScalerService {
    /// The five RPCs, registered with a deserializer that answers `RESOURCE_EXHAUSTED` naming
    /// `--max-message-bytes` for a request over ``maximumRequestBytes``. `IsActive` and `GetMetrics` read
    /// the request's `grpc-timeout`, so that a wait for a first sample ends before the client gives up.
    ///
    /// The transport's own limit (``transportRequestLimit(for:)``) is set higher than the flag: a request
    /// over the transport's limit is refused before it is read and its stream is reset (the client sees
    /// `CANCELLED`), which is what bounds memory; between the two, the request is read and refused with a
    /// status that says why.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        typealias Method = Externalscaler_ExternalScaler.Method
        let limit = self.maximumRequestBytes
        router.registerHandler(
            forMethod: Method.IsActive.descriptor,
            deserializer: LimitedDeserializer<Externalscaler_ScaledObjectRef>(limit: limit),
            serializer: ProtobufSerializer<Externalscaler_IsActiveResponse>(),
            handler: { request, _ in try await Self.unary(request, self.isActive(request:timeout:)) }
        )
        router.registerHandler(
            forMethod: Method.StreamIsActive.descriptor,
            deserializer: LimitedDeserializer<Externalscaler_ScaledObjectRef>(limit: limit),
            serializer: ProtobufSerializer<Externalscaler_IsActiveResponse>(),
            handler: { request, context in try await self.streamIsActive(request: request, context: context) }
        )
        router.registerHandler(
            forMethod: Method.GetMetricSpec.descriptor,
            deserializer: LimitedDeserializer<Externalscaler_ScaledObjectRef>(limit: limit),
            serializer: ProtobufSerializer<Externalscaler_GetMetricSpecResponse>(),
            handler: { request, context in try await self.getMetricSpec(request: request, context: context) }
        )
        router.registerHandler(
            forMethod: Method.GetMetrics.descriptor,
            deserializer: LimitedDeserializer<Externalscaler_GetMetricsRequest>(limit: limit),
            serializer: ProtobufSerializer<Externalscaler_GetMetricsResponse>(),
            handler: { request, _ in try await Self.unary(request, self.getMetrics(request:timeout:)) }
        )
        router.registerHandler(
            forMethod: Method.StreamMetricSpec.descriptor,
            deserializer: LimitedDeserializer<Externalscaler_ScaledObjectRef>(limit: limit),
            serializer: ProtobufSerializer<Externalscaler_GetMetricSpecResponse>(),
            handler: { request, context in try await self.streamMetricSpec(request: request, context: context) }
        )
    }

    /// A unary call answered by `answer`, which is given the request's `grpc-timeout`.
    static func unary<Request, Response>(
        _ request: StreamingServerRequest<Request>,
        _ answer: (Request, Duration?) async throws(RPCError) -> Response
    ) async throws -> StreamingServerResponse<Response> {
        let single = try await ServerRequest(stream: request)
        let response = try await answer(single.message, Self.timeout(of: single.metadata))
        return StreamingServerResponse(single: ServerResponse(message: response))
    }

    /// The request's `grpc-timeout`, if it sent one.
    static func timeout(of metadata: Metadata) -> Duration? {
        for value in metadata[stringValues: GRPCTimeout.header] {
            return GRPCTimeout.duration(parsing: value)
        }
        return nil
    }

    /// The transport's hard limit for a request limit of `limit` bytes: four times it, at most 64 MiB.
    public static func transportRequestLimit(for limit: Int) -> Int {
        min(limit * 4, 64 << 20)
    }
}

/// Protobuf decoding behind a size check.
struct LimitedDeserializer<Message: SwiftProtobuf.Message>: MessageDeserializer {
    let limit: Int
    private let protobuf = ProtobufDeserializer<Message>()

    init(limit: Int) {
        self.limit = limit
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        guard serializedMessageBytes.count <= self.limit else {
            throw RPCError(
                code: .resourceExhausted,
                message: "the request is \(serializedMessageBytes.count) bytes; the limit is \(self.limit) (--max-message-bytes)"
            )
        }
        return try self.protobuf.deserialize(serializedMessageBytes)
    }
}
