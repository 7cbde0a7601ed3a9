import Foundation
import Testing

@testable import PrescaleKubernetes

@Suite("Cluster configuration: in-cluster service account and kubeconfig")
struct KubernetesClusterConfigurationTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kube-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A JWT-shaped token whose payload's `sub` is `subject` (not signed; only the payload is read).
    static func token(subject: String) -> String {
        let payload = Data("{\"sub\":\"\(subject)\"}".utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "eyJhbGciOiJSUzI1NiJ9.\(payload).c2lnbmF0dXJl"
    }

    @Test("in cluster: service host and port, the token file with a 60 s refresh, CA, namespace, identity from the token's subject")
    func inCluster() throws {
        let directory = try Self.temporaryDirectory()
        try Self.token(subject: "system:serviceaccount:prescale:prescale").write(
            toFile: "\(directory)/token", atomically: true, encoding: .utf8)
        try "CA".write(toFile: "\(directory)/ca.crt", atomically: true, encoding: .utf8)
        try "prescale\n".write(toFile: "\(directory)/namespace", atomically: true, encoding: .utf8)
        let environment = ["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        #expect(KubernetesClusterConfiguration.isInCluster(environment: environment))
        let configuration = try KubernetesClusterConfiguration.inCluster(environment: environment, serviceAccountDirectory: directory)
        #expect(configuration.server == "https://10.43.0.1:443")
        #expect(configuration.namespace == "prescale")
        #expect(configuration.identity == "system:serviceaccount:prescale:prescale")
        #expect(configuration.certificateAuthority == Array("CA".utf8))
        guard case .tokenFile(let path, let refresh) = configuration.credentials else {
            Issue.record("expected a token file")
            return
        }
        #expect(path == "\(directory)/token")
        // The re-read itself (on the interval and after a 401) is KubernetesClientTests' token-rotation test.
        #expect(refresh == .seconds(60))
    }

    @Test("in cluster without the service host, or without the token file, says what is missing")
    func inClusterMissing() throws {
        let error = #expect(throws: KubernetesError.self) {
            try KubernetesClusterConfiguration.inCluster(environment: [:], serviceAccountDirectory: "/nonexistent")
        }
        #expect(error?.message.contains("KUBERNETES_SERVICE_HOST") == true)
        let directory = try Self.temporaryDirectory()
        let missing = #expect(throws: KubernetesError.self) {
            try KubernetesClusterConfiguration.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "10.43.0.1"], serviceAccountDirectory: directory)
        }
        #expect(missing?.message.contains("\(directory)/token") == true)
    }

    func kubeconfig(_ user: String, cluster: String = "    certificate-authority-data: Q0EK\n    server: https://127.0.0.1:6443") throws
        -> String
    {
        let directory = try Self.temporaryDirectory()
        let text = """
            apiVersion: v1
            kind: Config
            current-context: k3s
            contexts:
            - name: k3s
              context:
                cluster: default
                user: admin
                namespace: shop
            clusters:
            - name: default
              cluster:
            \(cluster)
            users:
            - name: admin
              user:
            \(user)
            """
        let path = "\(directory)/config"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("kubeconfig: current context, server, inline CA, bearer token")
    func kubeconfigToken() throws {
        let configuration = try KubernetesClusterConfiguration.kubeconfig(path: try self.kubeconfig("    token: abc"))
        #expect(configuration.server == "https://127.0.0.1:6443")
        #expect(configuration.certificateAuthority == Array("CA\n".utf8))
        #expect(configuration.namespace == "shop")
        #expect(configuration.identity.contains("admin"))
        guard case .token(let token) = configuration.credentials else {
            Issue.record("expected a token")
            return
        }
        #expect(token == "abc")
    }

    @Test("kubeconfig: client certificate and key from files relative to the kubeconfig")
    func kubeconfigClientCertificate() throws {
        let path = try self.kubeconfig("    client-certificate: client.crt\n    client-key: client.key")
        let directory = (path as NSString).deletingLastPathComponent
        try "CERT".write(toFile: "\(directory)/client.crt", atomically: true, encoding: .utf8)
        try "KEY".write(toFile: "\(directory)/client.key", atomically: true, encoding: .utf8)
        let configuration = try KubernetesClusterConfiguration.kubeconfig(path: path)
        guard case .clientCertificate(let certificate, let key) = configuration.credentials else {
            Issue.record("expected a client certificate")
            return
        }
        #expect(certificate == Array("CERT".utf8))
        #expect(key == Array("KEY".utf8))
    }

    @Test("kubeconfig: refused with the field named — plain http, skip-verify, no CA, exec plugins, unknown context")
    func kubeconfigRefusals() throws {
        let http = #expect(throws: KubernetesError.self) {
            try KubernetesClusterConfiguration.kubeconfig(
                path: try self.kubeconfig(
                    "    token: abc", cluster: "    certificate-authority-data: Q0EK\n    server: http://127.0.0.1:8080"))
        }
        #expect(http?.message.contains("https://") == true)
        let insecure = #expect(throws: KubernetesError.self) {
            try KubernetesClusterConfiguration.kubeconfig(
                path: try self.kubeconfig(
                    "    token: abc", cluster: "    insecure-skip-tls-verify: true\n    server: https://127.0.0.1:6443"))
        }
        #expect(insecure?.message.contains("insecure-skip-tls-verify") == true)
        let noCA = #expect(throws: KubernetesError.self) {
            try KubernetesClusterConfiguration.kubeconfig(
                path: try self.kubeconfig("    token: abc", cluster: "    server: https://127.0.0.1:6443"))
        }
        #expect(noCA?.message.contains("certificate-authority") == true)
        let exec = #expect(throws: KubernetesError.self) {
            try KubernetesClusterConfiguration.kubeconfig(path: try self.kubeconfig("    exec:\n      command: aws"))
        }
        #expect(exec?.message.contains("exec") == true)
        let context = #expect(throws: KubernetesError.self) {
            try KubernetesClusterConfiguration.kubeconfig(path: try self.kubeconfig("    token: abc"), context: "prod")
        }
        #expect(context?.message.contains("no context named \"prod\"") == true)
    }
}
