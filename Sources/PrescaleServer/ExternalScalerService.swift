import GRPCCore
import PrescaleCore
import PrescaleProtocol

/// KEDA's `externalscaler.ExternalScaler` service, answered from the ``TriggerRegistry``'s memory.
///
/// No handler ever waits on a broker: unary calls look the trigger up, read its latest decision and
/// encode it. Push streams send the current state at once and then every change of activity.
public struct ExternalScalerService: Externalscaler_ExternalScaler.SimpleServiceProtocol {
    /// Where triggers live.
    public let registry: TriggerRegistry
    /// Where RPC counts and latencies go.
    public let metrics: ScalerMetrics
    /// `--max-message-bytes`: larger requests are `RESOURCE_EXHAUSTED`. Default: 1 MiB.
    public let maximumRequestBytes: Int

    /// Creates the service.
    public init(registry: TriggerRegistry, metrics: ScalerMetrics, maximumRequestBytes: Int = 1 << 20) {
        self.registry = registry
        self.metrics = metrics
        self.maximumRequestBytes = maximumRequestBytes
    }

    /// Runs `body`, counts the outcome and converts ``ScalerError`` to the matching `RPCError`.
    @inline(__always)
    func measured<Response>(
        _ method: ScalerMetrics.Method,
        _ body: () throws(ScalerError) -> Response
    ) throws(RPCError) -> Response {
        let start = ContinuousClock.now
        do {
            let response = try body()
            self.metrics.recordRequest(method, code: nil, duration: ContinuousClock.now - start)
            return response
        } catch {
            let rpcError = error.rpcError
            self.metrics.recordRequest(method, code: rpcError.code, duration: ContinuousClock.now - start)
            throw rpcError
        }
    }

    func trigger(for ref: Externalscaler_ScaledObjectRef) throws(ScalerError) -> Trigger {
        try self.registry.trigger(namespace: ref.namespace, name: ref.name, metadata: ref.scalerMetadata)
    }

    public func isActive(
        request: Externalscaler_ScaledObjectRef,
        context: ServerContext
    ) async throws -> Externalscaler_IsActiveResponse {
        try self.measured(.isActive) { () throws(ScalerError) in
            let decision = try self.trigger(for: request).currentDecision()
            var response = Externalscaler_IsActiveResponse()
            response.result = decision.isActive
            return response
        }
    }

    public func getMetricSpec(
        request: Externalscaler_ScaledObjectRef,
        context: ServerContext
    ) async throws -> Externalscaler_GetMetricSpecResponse {
        try self.measured(.getMetricSpec) { () throws(ScalerError) in
            // The spec comes from the metadata alone, so KEDA can create the HPA while a broker is down.
            Self.metricSpecResponse(for: try self.trigger(for: request))
        }
    }

    public func getMetrics(
        request: Externalscaler_GetMetricsRequest,
        context: ServerContext
    ) async throws -> Externalscaler_GetMetricsResponse {
        try self.measured(.getMetrics) { () throws(ScalerError) in
            let trigger = try self.trigger(for: request.scaledObjectRef)
            let name = trigger.spec.metricName
            guard request.metricName.isEmpty || MetricName.matches(requested: request.metricName, name: name) else {
                throw ScalerError(
                    .invalidArgument,
                    "metricName \"\(request.metricName.prefix(128))\" is not served by this trigger; "
                        + "allowed: \"\(name)\" (the name GetMetricSpec returned)"
                )
            }
            let decision = try trigger.currentDecision()
            guard let encoded = KEDAValue(decision.value) else {
                throw .unavailable(SourceFailure(.invalidValue, "the value for \(trigger.key) is not a number"))
            }
            var value = Externalscaler_MetricValue()
            value.metricName = name
            value.metricValue = encoded.integer
            value.metricValueFloat = encoded.float
            var response = Externalscaler_GetMetricsResponse()
            response.metricValues = [value]
            return response
        }
    }

    static func metricSpecResponse(for trigger: Trigger) -> Externalscaler_GetMetricSpecResponse {
        var target = trigger.spec.target
        if case .ready(let decision) = trigger.status { target = decision.target }
        // The parser only accepts finite targets > 0, so encoding cannot fail.
        let encoded = KEDAValue(target) ?? KEDAValue(1)!
        var spec = Externalscaler_MetricSpec()
        spec.metricName = trigger.spec.metricName
        spec.targetSize = encoded.integer
        spec.targetSizeFloat = encoded.float
        var response = Externalscaler_GetMetricSpecResponse()
        response.metricSpecs = [spec]
        return response
    }
}
