import PrescaleCore
import PrescaleKubernetes
import Synchronization

/// The demo's consumer pool as a scale target: the same ``Actuator`` that patches a Deployment's
/// `scale` subresource in a cluster raises the pool's desired count here, in process, and the same
/// ``ReplicaWatcher`` that reads a Deployment's ready replicas reads the pool's consuming ones.
final class DemoScaleTarget: ScaleAPI {
    private struct State {
        var current = 1
        var ready = 1
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

    /// The consumers that consume now (started ones only), as a Deployment's `status.readyReplicas`.
    func readyReplicas(of target: ScaleTarget, namespace: String) async throws(KubernetesError) -> Int {
        self.state.withLock { $0.ready }
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

    /// The pool's desired and ready counts as the demo's control loop last set them.
    func setCurrent(_ replicas: Int, ready: Int) {
        self.state.withLock { state in
            state.current = replicas
            state.ready = ready
        }
    }
}
