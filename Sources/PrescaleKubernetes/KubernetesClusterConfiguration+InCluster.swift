import Foundation

extension KubernetesClusterConfiguration {
    /// Whether the process runs in a pod: `KUBERNETES_SERVICE_HOST` is set.
    public static func isInCluster(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty
    }

    /// The pod's own credentials: `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`, and the
    /// token, CA and namespace files of the service account in `directory` (where the pod mounts them;
    /// the server's `--service-account-dir` holds the standard path). The token is re-read every
    /// `tokenRefreshInterval` (default 60 s; kubelet rotates bound tokens well before they expire).
    ///
    /// - Throws: ``KubernetesError/Code/configuration`` naming the missing variable or file.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory directory: String,
        tokenRefreshInterval: Duration = .seconds(60)
    ) throws(KubernetesError) -> KubernetesClusterConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubernetesError(.configuration, "KUBERNETES_SERVICE_HOST is not set: not running in a pod; pass --kubeconfig")
        }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "443"
        let tokenPath = "\(directory)/token"
        let token = String(decoding: try Self.readFile(tokenPath, what: "the service-account token"), as: UTF8.self)
        let ca = try Self.readFile("\(directory)/ca.crt", what: "the cluster CA")
        let namespace =
            (try? Self.readFile("\(directory)/namespace", what: "the namespace"))
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "default"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return try KubernetesClusterConfiguration(
            server: "https://\(hostPart):\(port)",
            certificateAuthority: ca,
            credentials: .tokenFile(path: tokenPath, refreshInterval: tokenRefreshInterval),
            namespace: namespace,
            identity: Self.subject(ofToken: token.trimmingCharacters(in: .whitespacesAndNewlines))
                ?? "the service account of namespace \(namespace)"
        )
    }
}
