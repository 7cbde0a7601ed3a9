import GRPCCore

extension ScalerError {
    /// The gRPC status code KEDA receives.
    var rpcCode: RPCError.Code {
        switch self.code {
        case .invalidArgument: return .invalidArgument
        case .resourceExhausted: return .resourceExhausted
        default: return .unavailable
        }
    }

    /// The error as thrown from an RPC handler.
    var rpcError: RPCError {
        RPCError(code: self.rpcCode, message: self.message)
    }
}
