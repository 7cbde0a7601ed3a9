/// What the actuator needs from a cluster: read a ScaledObject, read and raise a target's replicas.
///
/// ``KubernetesClient`` implements it over HTTPS; `prescale demo` implements it with its own consumer
/// pool, so the same actuator drives both.
public protocol ScaleAPI: Sendable {
    /// The ScaledObject's scale target and replica bounds.
    func scaledObject(_ key: ScaledObjectKey) async throws(KubernetesError) -> ScaledObjectInfo
    /// The target's `spec.replicas`, from its `scale` subresource.
    func replicas(of target: ScaleTarget, namespace: String) async throws(KubernetesError) -> Int
    /// Sets the target's `spec.replicas` through its `scale` subresource.
    func setReplicas(_ replicas: Int, of target: ScaleTarget, namespace: String) async throws(KubernetesError)
}
