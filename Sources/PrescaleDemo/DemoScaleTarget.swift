import PrescaleCore
import PrescaleKubernetes
import Synchronization

/// The demo's consumer pool as a scale target: the same ``Actuator`` that patches a Deployment's
/// `scale` subresource in a cluster raises the pool's desired count here, in process.
final class DemoScaleTarget: ScaleAPI {
    private struct State {
        var current = 1
        var requested: Int?
    }

    let bounds: ReplicaBounds
    private let state = Mutex(State())

    init(bounds: ReplicaBounds) {
        self.bounds = bounds
    }

    func scaledObject(_ key: ScaledObjectKey) async throws(KubernetesError) -> ScaledObjectInfo {
        ScaledObjectInfo(target: ScaleTarget(name: "orders-consumer"), bounds: self.bounds)
    }

    func replicas(of target: ScaleTarget, namespace: String) async throws(KubernetesError) -> Int {
        self.state.withLock { $0.current }
    }

    func setReplicas(_ replicas: Int, of target: ScaleTarget, namespace: String) async throws(KubernetesError) {
        self.state.withLock { state in
            state.requested = max(state.requested ?? 0, replicas)
            state.current = max(state.current, replicas)
        }
    }

    /// The demo's pool has no Kubernetes object to describe: the reason is in the demo's own output.
    func recordScaleUp(_ event: ScaleUpEvent) async throws(KubernetesError) {}

    /// The count the actuator asked for since the last call, if any.
    func takeRequested() -> Int? {
        self.state.withLock { state in
            defer { state.requested = nil }
            return state.requested
        }
    }

    /// The pool's desired count as the demo's control loop last set it.
    func setCurrent(_ replicas: Int) {
        self.state.withLock { $0.current = replicas }
    }
}
