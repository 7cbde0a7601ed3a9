import Prometheus

extension ScalerMetrics {
    /// A counter per ``ConnectionGuard/Refusal``: `prescale_grpc_connections_refused_total{reason}`.
    func makeConnectionRefusalRecorder() -> @Sendable (ConnectionGuard.Refusal) -> Void {
        var counters: [ConnectionGuard.Refusal: Counter] = [:]
        for reason in ConnectionGuard.Refusal.allCases {
            counters[reason] = self.registry.makeCounter(
                descriptor: .named(
                    "prescale_grpc_connections_refused_total",
                    help:
                        "gRPC connections closed before serving: no HTTP/2 handshake within --handshake-timeout, or over --max-connections-per-address."
                ),
                labels: [("reason", reason.rawValue)]
            )
        }
        let table = counters
        return { reason in table[reason]?.increment() }
    }
}
