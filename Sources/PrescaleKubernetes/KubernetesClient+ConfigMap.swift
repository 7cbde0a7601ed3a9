import Foundation

/// A ConfigMap's `data` with the `resourceVersion` it was read at.
public struct ConfigMapRecord: Sendable, Hashable {
    /// `data`.
    public var data: [String: String]
    /// `metadata.resourceVersion`, sent back on replace so that a concurrent writer's update is never lost.
    public var resourceVersion: String?

    /// Creates a record.
    public init(data: [String: String], resourceVersion: String?) {
        self.data = data
        self.resourceVersion = resourceVersion
    }
}

/// Reading and replacing ConfigMaps that already exist (Prescale never creates or deletes one).
public protocol ConfigMapAPI: Sendable {
    /// `GET …/configmaps/{name}`.
    func configMap(namespace: String, name: String) async throws(KubernetesError) -> ConfigMapRecord
    /// `PUT …/configmaps/{name}` guarded by `record.resourceVersion` (`409` when it changed).
    func replaceConfigMap(_ record: ConfigMapRecord, namespace: String, name: String) async throws(KubernetesError)
}

extension KubernetesClient: ConfigMapAPI {
    static func configMapPath(namespace: String, name: String) -> String {
        "/api/v1/namespaces/\(namespace)/configmaps/\(name)"
    }

    public func configMap(namespace: String, name: String) async throws(KubernetesError) -> ConfigMapRecord {
        let request = KubernetesRequest(
            verb: "get", resource: "configmaps", namespace: namespace, name: name, method: .get,
            path: Self.configMapPath(namespace: namespace, name: name))
        let object = try Self.decodeObject(try await self.send(request), request: request)
        guard (object["kind"] as? String) == "ConfigMap" else {
            throw KubernetesError(.badResponse, "\(request.summary) did not answer a ConfigMap", context: request.errorContext)
        }
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        return ConfigMapRecord(
            data: object["data"] as? [String: String] ?? [:], resourceVersion: metadata["resourceVersion"] as? String)
    }

    public func replaceConfigMap(_ record: ConfigMapRecord, namespace: String, name: String) async throws(KubernetesError) {
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if let version = record.resourceVersion { metadata["resourceVersion"] = version }
        let object: [String: Any] = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": record.data]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { Array($0) } ?? []
        let request = KubernetesRequest(
            verb: "update", resource: "configmaps", namespace: namespace, name: name, method: .put,
            path: Self.configMapPath(namespace: namespace, name: name), body: body, contentType: "application/json")
        _ = try Self.decodeObject(try await self.send(request), request: request)
    }
}
