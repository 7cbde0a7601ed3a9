import GRPCCore
import PrescaleCore
import PrescaleProtocol

extension ExternalScalerService {
    public func streamIsActive(
        request: Externalscaler_ScaledObjectRef,
        response: RPCWriter<Externalscaler_IsActiveResponse>,
        context: ServerContext
    ) async throws {
        guard let trigger = try self.openStream(.streamIsActive, request) else { return }
        try await self.stream(.streamIsActive, trigger: trigger, context: context) { status, last in
            // KEDA scales 0 -> 1 on `true` and ignores `false`; every change is sent so the stream also
            // shows deactivation to anyone watching it. Unknown states send nothing: never a made-up false.
            guard case .ready(let decision) = status, last != decision.isActive else { return last }
            var message = Externalscaler_IsActiveResponse()
            message.result = decision.isActive
            try await response.write(message)
            return decision.isActive
        }
    }

    public func streamMetricSpec(
        request: Externalscaler_ScaledObjectRef,
        response: RPCWriter<Externalscaler_GetMetricSpecResponse>,
        context: ServerContext
    ) async throws {
        guard let trigger = try self.openStream(.streamMetricSpec, request) else { return }
        try await self.stream(.streamMetricSpec, trigger: trigger, context: context) { _, last in
            // Same construction as GetMetricSpec, so the two always agree.
            let spec = Self.metricSpecResponse(for: trigger)
            guard spec != last else { return last }
            try await response.write(spec)
            return spec
        }
    }

    /// The trigger a new push stream watches; `nil` while the server drains, so that the stream ends
    /// at once with status OK like every other stream on shutdown (KEDA then reopens it, on another
    /// replica), rather than with an error.
    private func openStream(_ method: ScalerMetrics.Method, _ request: Externalscaler_ScaledObjectRef) throws(RPCError) -> Trigger? {
        if self.registry.isDraining { return nil }
        do {
            return try self.measured(method) { () throws(ScalerError) in try self.trigger(for: request) }
        } catch  where self.registry.isDraining {
            return nil
        }
    }

    /// Feeds a trigger's status changes to `send` until the client goes away, the trigger is evicted
    /// or the server drains; then returns normally so the stream ends with status OK.
    private func stream<Sent: Sendable>(
        _ method: ScalerMetrics.Method,
        trigger: Trigger,
        context: ServerContext,
        send: (TriggerStatus, Sent?) async throws -> Sent?
    ) async throws {
        self.metrics.streamOpened(method, delta: 1)
        defer { self.metrics.streamOpened(method, delta: -1) }
        let (updates, end) = trigger.watch()
        try await withRPCCancellationHandler {
            var last: Sent? = nil
            for await status in updates {
                if context.cancellation.isCancelled { break }
                last = try await send(status, last)
            }
        } onCancelRPC: {
            end()
        }
    }
}
