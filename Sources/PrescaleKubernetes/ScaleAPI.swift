import PrescaleCore

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
    /// Leaves a Kubernetes Event on the target saying why Prescale scaled it up, for `kubectl describe`.
    func recordScaleUp(_ event: ScaleUpEvent) async throws(KubernetesError)
    /// The target's replicas that can consume now: for a Deployment or StatefulSet its
    /// `status.readyReplicas` (pods still starting consume nothing), otherwise `spec.replicas` from `scale`.
    func readyReplicas(of target: ScaleTarget, namespace: String) async throws(KubernetesError) -> Int
}

extension ScaleAPI {
    /// `spec.replicas`, for implementations that know no readiness.
    public func readyReplicas(of target: ScaleTarget, namespace: String) async throws(KubernetesError) -> Int {
        try await self.replicas(of: target, namespace: namespace)
    }
}

/// Why a direct scale-up happened, as an Event on the target.
public struct ScaleUpEvent: Sendable, Hashable {
    /// The target's namespace.
    public var namespace: String
    /// The target.
    public var target: ScaleTarget
    /// The ScaledObject whose trigger asked.
    public var scaledObject: String
    /// Replicas before and after.
    public var from: Int
    public var to: Int
    /// The planner's reason, e.g. "planned 8 replicas: forecast 120/s, 15/s per replica, backlog 410 in 17 s".
    public var reason: String

    /// Creates an event.
    public init(namespace: String, target: ScaleTarget, scaledObject: String, from: Int, to: Int, reason: String) {
        self.namespace = namespace
        self.target = target
        self.scaledObject = scaledObject
        self.from = from
        self.to = to
        self.reason = reason
    }

    /// The Event's message: "Prescale scaled orders-v1-deployment 2→8: <reason>".
    public var message: String {
        "Prescale scaled \(self.target.name) \(self.from)→\(self.to)" + (self.reason.isEmpty ? "" : ": \(self.reason)")
    }
}
