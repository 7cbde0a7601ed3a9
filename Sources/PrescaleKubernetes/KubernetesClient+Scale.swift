import Foundation
import PrescaleCore

extension KubernetesClient: ScaleAPI {
    /// `GET /apis/keda.sh/v1alpha1/namespaces/{ns}/scaledobjects/{name}`.
    public func scaledObject(_ key: ScaledObjectKey) async throws(KubernetesError) -> ScaledObjectInfo {
        let request = KubernetesRequest(
            verb: "get",
            resource: "scaledobjects.keda.sh",
            namespace: key.namespace,
            name: key.name,
            method: .get,
            path: "/apis/keda.sh/v1alpha1/namespaces/\(key.namespace)/scaledobjects/\(key.name)"
        )
        let object = try Self.decodeObject(try await self.send(request), request: request)
        guard let spec = object["spec"] as? [String: Any],
            let reference = spec["scaleTargetRef"] as? [String: Any],
            let name = reference["name"] as? String, !name.isEmpty
        else {
            throw KubernetesError(.badResponse, "ScaledObject \(key) has no spec.scaleTargetRef.name", context: request.errorContext)
        }
        let minimum = (spec["minReplicaCount"] as? NSNumber)?.intValue ?? ReplicaBounds.kedaDefaults.minimum
        let maximum = (spec["maxReplicaCount"] as? NSNumber)?.intValue ?? ReplicaBounds.kedaDefaults.maximum
        let behavior = ((spec["advanced"] as? [String: Any])?["horizontalPodAutoscalerConfig"] as? [String: Any])?["behavior"]
        let scaleDown = (behavior as? [String: Any])?["scaleDown"] as? [String: Any]
        let window =
            (scaleDown?["stabilizationWindowSeconds"] as? NSNumber)?.intValue
            ?? HPABehavior.kubernetesDefault.scaleDownStabilizationSeconds
        return ScaledObjectInfo(
            target: ScaleTarget(
                apiVersion: reference["apiVersion"] as? String ?? "apps/v1",
                kind: reference["kind"] as? String ?? "Deployment",
                name: name
            ),
            bounds: ReplicaBounds(minimum: minimum, maximum: maximum),
            scaleDownWindowSeconds: window,
            cooldownSeconds: (spec["cooldownPeriod"] as? NSNumber)?.intValue ?? KEDACooldown.kedaDefaultSeconds
        )
    }

    /// `GET …/{plural}/{name}/scale`: `spec.replicas`.
    public func replicas(of target: ScaleTarget, namespace: String) async throws(KubernetesError) -> Int {
        let request = KubernetesRequest(
            verb: "get",
            resource: target.rbacResource,
            namespace: namespace,
            name: target.name,
            method: .get,
            path: target.scalePath(namespace: namespace)
        )
        let object = try Self.decodeObject(try await self.send(request), request: request)
        guard (object["kind"] as? String) == "Scale" else {
            throw KubernetesError(.badResponse, "\(request.summary) did not answer a Scale object", context: request.errorContext)
        }
        // An omitted spec.replicas means 0, as in the API's own defaulting of Scale.
        let spec = object["spec"] as? [String: Any] ?? [:]
        return (spec["replicas"] as? NSNumber)?.intValue ?? 0
    }

    /// `GET /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}`: `status.readyReplicas` (absent
    /// means 0, as the API omits zero). Other kinds: `spec.replicas` of their `scale`.
    public func readyReplicas(of target: ScaleTarget, namespace: String) async throws(KubernetesError) -> Int {
        guard target.reportsReadyReplicas else { return try await self.replicas(of: target, namespace: namespace) }
        let request = KubernetesRequest(
            verb: "get",
            resource: "\(target.plural).\(target.group)",
            namespace: namespace,
            name: target.name,
            method: .get,
            path: target.objectPath(namespace: namespace)
        )
        let object = try Self.decodeObject(try await self.send(request), request: request)
        guard (object["kind"] as? String) == target.kind else {
            throw KubernetesError(.badResponse, "\(request.summary) did not answer a \(target.kind)", context: request.errorContext)
        }
        let status = object["status"] as? [String: Any] ?? [:]
        return (status["readyReplicas"] as? NSNumber)?.intValue ?? 0
    }

    /// `PATCH …/{plural}/{name}/scale` with `{"spec":{"replicas":N}}` as `application/merge-patch+json`.
    public func setReplicas(_ replicas: Int, of target: ScaleTarget, namespace: String) async throws(KubernetesError) {
        let request = KubernetesRequest(
            verb: "patch",
            resource: target.rbacResource,
            namespace: namespace,
            name: target.name,
            method: .patch,
            path: target.scalePath(namespace: namespace),
            body: Array("{\"spec\":{\"replicas\":\(replicas)}}".utf8),
            contentType: "application/merge-patch+json"
        )
        _ = try Self.decodeObject(try await self.send(request), request: request)
    }

    /// A JSON object body, or `badResponse`: a bad body never crashes.
    static func decodeObject(_ body: [UInt8], request: KubernetesRequest) throws(KubernetesError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw KubernetesError(
                .badResponse,
                "\(request.summary) answered a body that is not a JSON object (\(body.count) bytes)",
                context: request.errorContext
            )
        }
        return object
    }
}
