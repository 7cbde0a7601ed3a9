import Synchronization

/// Whether the process should receive traffic: both listeners are up, the learned state (when it is
/// kept) has been loaded, and no shutdown has begun. `/readyz` reports it.
public final class Readiness: Sendable {
    private struct State {
        var grpcListening = false
        var httpListening = false
        var learnedStateLoaded = true
        var draining = false
    }

    private let state = Mutex(State())

    /// Creates a not-yet-ready state.
    public init() {}

    /// The learned state is kept: not ready until it is loaded, so that KEDA's first calls after a
    /// restart find what was learned before it.
    public func waitForLearnedState() { self.state.withLock { $0.learnedStateLoaded = false } }
    /// The learned state has been loaded (or could not be, which is logged).
    public func learnedStateIsLoaded() { self.state.withLock { $0.learnedStateLoaded = true } }

    /// The gRPC listener is bound.
    public func grpcIsListening() { self.state.withLock { $0.grpcListening = true } }
    /// The HTTP listener is bound.
    public func httpIsListening() { self.state.withLock { $0.httpListening = true } }
    /// Shutdown has begun; report not ready so that Kubernetes stops routing new calls here.
    public func beginDraining() { self.state.withLock { $0.draining = true } }

    /// Whether the process is ready, and if not, why.
    public var status: (ready: Bool, reason: String) {
        self.state.withLock { state in
            if state.draining { return (false, "shutting down") }
            if !state.grpcListening { return (false, "gRPC listener not bound yet") }
            if !state.httpListening { return (false, "HTTP listener not bound yet") }
            if !state.learnedStateLoaded { return (false, "learned state not loaded yet") }
            return (true, "ok")
        }
    }
}
