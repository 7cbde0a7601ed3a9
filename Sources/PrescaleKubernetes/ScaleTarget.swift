import PrescaleCore

/// A ScaledObject's `spec.scaleTargetRef`, resolved to the `scale` subresource's path.
///
/// `apps/v1` `Deployment` and `StatefulSet` are the common cases; any other kind is mapped to its
/// lower-case plural (`kind` + `s`) in the group of its `apiVersion`, which is right for most custom
/// scalable resources (Argo `Rollout` → `rollouts`).
public struct ScaleTarget: Sendable, Hashable, CustomStringConvertible {
    /// `apiVersion`, default `apps/v1`.
    public var apiVersion: String
    /// `kind`, default `Deployment`.
    public var kind: String
    /// `name`.
    public var name: String

    /// Creates a reference with KEDA's defaults.
    public init(apiVersion: String = "apps/v1", kind: String = "Deployment", name: String) {
        self.apiVersion = apiVersion.isEmpty ? "apps/v1" : apiVersion
        self.kind = kind.isEmpty ? "Deployment" : kind
        self.name = name
    }

    /// The plural resource name: `deployments`, `statefulsets`.
    public var plural: String {
        self.kind.lowercased() + (self.kind.lowercased().hasSuffix("s") ? "es" : "s")
    }

    /// The API group, empty for the core group.
    public var group: String {
        let parts = self.apiVersion.split(separator: "/")
        return parts.count == 2 ? String(parts[0]) : ""
    }

    /// The RBAC resource of the subresource: `deployments.apps/scale`.
    public var rbacResource: String {
        self.group.isEmpty ? "\(self.plural)/scale" : "\(self.plural).\(self.group)/scale"
    }

    /// `/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale`.
    public func scalePath(namespace: String) -> String {
        self.objectPath(namespace: namespace) + "/scale"
    }

    /// `/apis/apps/v1/namespaces/{ns}/deployments/{name}`.
    public func objectPath(namespace: String) -> String {
        let prefix = self.group.isEmpty ? "/api/\(self.apiVersion)" : "/apis/\(self.apiVersion)"
        return "\(prefix)/namespaces/\(namespace)/\(self.plural)/\(self.name)"
    }

    /// Whether the target reports `status.readyReplicas`: `apps` Deployments and StatefulSets.
    public var reportsReadyReplicas: Bool {
        self.group == "apps" && (self.kind == "Deployment" || self.kind == "StatefulSet")
    }

    public var description: String { "\(self.kind)/\(self.name)" }
}

/// What Prescale needs from a ScaledObject: its target and its replica bounds.
public struct ScaledObjectInfo: Sendable, Hashable {
    /// `spec.scaleTargetRef`.
    public var target: ScaleTarget
    /// `spec.minReplicaCount` and `spec.maxReplicaCount` (defaults 0 and 100).
    public var bounds: ReplicaBounds
    /// `spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds`:
    /// Kubernetes' default (300) when the ScaledObject sets none.
    public var scaleDownWindowSeconds: Int
    /// `spec.cooldownPeriod`: KEDA's default (300) when the ScaledObject sets none.
    public var cooldownSeconds: Int

    /// Creates an info.
    public init(
        target: ScaleTarget, bounds: ReplicaBounds,
        scaleDownWindowSeconds: Int = HPABehavior.kubernetesDefault.scaleDownStabilizationSeconds,
        cooldownSeconds: Int = KEDACooldown.kedaDefaultSeconds
    ) {
        self.target = target
        self.bounds = bounds
        self.scaleDownWindowSeconds = scaleDownWindowSeconds
        self.cooldownSeconds = cooldownSeconds
    }
}
