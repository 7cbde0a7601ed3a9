import Hummingbird
import Logging
import NIOCore
import PrescaleCore

/// The HTTP side: `/metrics` (Prometheus text), `/healthz` (the process is alive) and `/readyz`
/// (listeners bound, not draining).
public enum HTTPEndpoints {
    /// The router serving the three endpoints.
    public static func router(
        metrics: ScalerMetrics, registry: TriggerRegistry, readiness: Readiness, brokers: (any BrokerSnapshots)? = nil
    )
        -> Router<BasicRequestContext>
    {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            metrics.updateTriggerCounts(registry.countsBySource())
            metrics.updateSampleAges()
            if let brokers { metrics.updateBrokers(brokers.snapshots()) }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            metrics.registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
        router.get("/healthz") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ -> Response in
            let (ready, reason) = readiness.status
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: reason + "\n"))
            )
        }
        return router
    }
}
