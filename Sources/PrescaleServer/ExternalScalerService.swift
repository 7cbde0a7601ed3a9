import GRPCCore
import PrescaleCore
import PrescaleProtocol

/// KEDA's `externalscaler.ExternalScaler` service, answered from the ``TriggerRegistry``'s memory.
///
/// No handler ever waits on a broker: unary calls look the trigger up, read its latest decision and
/// encode it. Push streams send the current state at once and then every change of activity. The one
/// wait is a new trigger's first sample: `IsActive` and `GetMetrics` on a trigger with none yet wait for
/// it, at most ``firstSampleWait`` and never past the request's deadline.
public struct ExternalScalerService: Externalscaler_ExternalScaler.SimpleServiceProtocol {
    /// Where triggers live.
    public let registry: TriggerRegistry
    /// Where RPC counts and latencies go.
    public let metrics: ScalerMetrics
    /// `--max-message-bytes`: larger requests are `RESOURCE_EXHAUSTED`. Default: 1 MiB.
    public let maximumRequestBytes: Int
    /// `--first-sample-wait`: how long a call on a trigger without a sample yet waits for the first one.
    /// Default: 5 s.
    public let firstSampleWait: Duration

    /// Creates the service.
    public init(
        registry: TriggerRegistry,
        metrics: ScalerMetrics,
        maximumRequestBytes: Int = 1 << 20,
        firstSampleWait: Duration = .seconds(5)
    ) {
        self.registry = registry
        self.metrics = metrics
        self.maximumRequestBytes = maximumRequestBytes
        self.firstSampleWait = firstSampleWait
    }

    /// Runs `body`, counts the outcome and converts ``ScalerError`` to the matching `RPCError`.
    @inline(__always)
    func measured<Response>(
        _ method: ScalerMetrics.Method,
        _ body: () throws(ScalerError) -> Response
    ) throws(RPCError) -> Response {
        let start = ContinuousClock.now
        return try self.finish(method, since: start, Result(catching: body))
    }

    /// Counts an answer (by status code, with its latency since `start`) and returns or throws it.
    @inline(__always)
    func finish<Response>(
        _ method: ScalerMetrics.Method,
        since start: ContinuousClock.Instant,
        _ result: Result<Response, ScalerError>
    ) throws(RPCError) -> Response {
        switch result {
        case .success(let response):
            self.metrics.recordRequest(method, code: nil, duration: ContinuousClock.now - start)
            return response
        case .failure(let error):
            let rpcError = error.rpcError
            self.metrics.recordRequest(method, code: rpcError.code, duration: ContinuousClock.now - start)
            throw rpcError
        }
    }

    func trigger(for ref: Externalscaler_ScaledObjectRef) throws(ScalerError) -> Trigger {
        try self.registry.trigger(namespace: ref.namespace, name: ref.name, metadata: ref.scalerMetadata)
    }

    /// Answers from the trigger's decision. When the trigger has had no sample yet, waits for the first
    /// (see ``Trigger/awaitFirstStatus(atMost:)``) at most ``firstSampleWait`` and at most 80% of the
    /// request's `timeout`, so that the answer still reaches the client in time; then answers again.
    func decided<Response>(
        _ method: ScalerMetrics.Method,
        _ ref: Externalscaler_ScaledObjectRef,
        timeout: Duration?,
        _ body: (Trigger) throws(ScalerError) -> Response
    ) async throws(RPCError) -> Response {
        let start = ContinuousClock.now
        let result: Result<Response, ScalerError>
        do throws(ScalerError) {
            let trigger = try self.trigger(for: ref)
            do throws(ScalerError) {
                result = .success(try body(trigger))
            } catch  where error.sourceFailure?.code == .noSampleYet && self.firstSampleWait > .zero {
                await trigger.awaitFirstStatus(atMost: Self.firstSampleLimit(wait: self.firstSampleWait, timeout: timeout))
                do throws(ScalerError) {
                    result = .success(try body(trigger))
                } catch  where error.sourceFailure?.code == .noSampleYet {
                    var error = error
                    error.message +=
                        " after waiting \(Self.seconds(ContinuousClock.now - start)) s (--first-sample-wait \(Self.seconds(self.firstSampleWait)) s)"
                    throw error
                }
            }
        } catch {
            result = .failure(error)
        }
        return try self.finish(method, since: start, result)
    }

    /// How long a call waits for a first sample: `wait`, and at most 80% of the request's timeout.
    static func firstSampleLimit(wait: Duration, timeout: Duration?) -> Duration {
        guard let timeout else { return wait }
        return min(wait, timeout * 0.8)
    }

    static func seconds(_ duration: Duration) -> String {
        String((duration.inSeconds * 10).rounded() / 10)
    }

    public func isActive(
        request: Externalscaler_ScaledObjectRef,
        context: ServerContext
    ) async throws -> Externalscaler_IsActiveResponse {
        try await self.isActive(request: request, timeout: nil)
    }

    func isActive(request: Externalscaler_ScaledObjectRef, timeout: Duration?) async throws(RPCError) -> Externalscaler_IsActiveResponse {
        try await self.decided(.isActive, request, timeout: timeout) { trigger throws(ScalerError) in
            var response = Externalscaler_IsActiveResponse()
            response.result = try trigger.currentDecision().isActive
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
        try await self.getMetrics(request: request, timeout: nil)
    }

    func getMetrics(request: Externalscaler_GetMetricsRequest, timeout: Duration?) async throws(RPCError)
        -> Externalscaler_GetMetricsResponse
    {
        try await self.decided(.getMetrics, request.scaledObjectRef, timeout: timeout) { trigger throws(ScalerError) in
            try Self.metricsResponse(for: trigger, requestedName: request.metricName)
        }
    }

    /// GetMetrics' answer from the trigger's current decision; `INVALID_ARGUMENT` for a metric name the
    /// trigger does not serve, `UNAVAILABLE` without a usable decision.
    package static func metricsResponse(for trigger: Trigger, requestedName: String) throws(ScalerError)
        -> Externalscaler_GetMetricsResponse
    {
        let name = trigger.spec.metricName
        guard requestedName.isEmpty || MetricName.matches(requested: requestedName, name: name) else {
            throw ScalerError(
                .invalidArgument,
                "metricName \"\(requestedName.prefix(128))\" is not served by this trigger; "
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

    /// GetMetricSpec's answer: the metric name and the target, from the metadata (or the decision).
    package static func metricSpecResponse(for trigger: Trigger) -> Externalscaler_GetMetricSpecResponse {
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
