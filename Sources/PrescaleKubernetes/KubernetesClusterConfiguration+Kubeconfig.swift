import Foundation
import Yams

extension KubernetesClusterConfiguration {
    /// A kubeconfig's current context (or `context`): the cluster's `server` and CA
    /// (`certificate-authority` or `certificate-authority-data`), and the user's bearer token (`token`,
    /// `tokenFile`) or client certificate (`client-certificate[-data]` and `client-key[-data]`).
    ///
    /// Relative file paths resolve against the kubeconfig's directory, as kubectl does. Exec and
    /// auth-provider plugins and `insecure-skip-tls-verify` are refused with a message saying so.
    ///
    /// - Throws: ``KubernetesError/Code/configuration`` naming the field at fault.
    public static func kubeconfig(path: String, context requested: String? = nil) throws(KubernetesError) -> KubernetesClusterConfiguration
    {
        let text = String(decoding: try Self.readFile(path, what: "the kubeconfig"), as: UTF8.self)
        let root: [String: Any]
        do {
            guard let parsed = try Yams.load(yaml: text) as? [String: Any] else {
                throw KubernetesError(.configuration, "kubeconfig \(path) is not a YAML mapping")
            }
            root = parsed
        } catch let error as KubernetesError {
            throw error
        } catch {
            throw KubernetesError(.configuration, "kubeconfig \(path) is not valid YAML: \(error)")
        }
        let reader = KubeconfigReader(root: root, path: path)
        return try reader.configuration(context: requested)
    }
}

/// Reads the few kubeconfig fields Prescale needs, with errors that name the field.
struct KubeconfigReader {
    let root: [String: Any]
    let path: String

    var directory: String { (self.path as NSString).deletingLastPathComponent }

    func fail(_ message: String) -> KubernetesError {
        KubernetesError(.configuration, "kubeconfig \(self.path): \(message)")
    }

    /// The `name`d entry of a list such as `contexts`, as its inner mapping (`context`, `cluster`, `user`).
    func entry(_ list: String, inner: String, name: String) throws(KubernetesError) -> [String: Any] {
        let entries = self.root[list] as? [[String: Any]] ?? []
        guard let entry = entries.first(where: { ($0["name"] as? String) == name }) else {
            let known = entries.compactMap { $0["name"] as? String }
            throw self.fail("no \(inner) named \"\(name)\" under \(list); known: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
        }
        return entry[inner] as? [String: Any] ?? [:]
    }

    /// Bytes from `<field>-data` (base64) or from the file `<field>`.
    func bytes(_ object: [String: Any], field: String, scope: String) throws(KubernetesError) -> [UInt8]? {
        if let encoded = object["\(field)-data"] as? String {
            guard let data = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw self.fail("\(scope).\(field)-data is not valid base64")
            }
            return Array(data)
        }
        if let file = object[field] as? String {
            let resolved = file.hasPrefix("/") ? file : "\(self.directory)/\(file)"
            return try KubernetesClusterConfiguration.readFile(resolved, what: "\(scope).\(field)")
        }
        return nil
    }

    func configuration(context requested: String?) throws(KubernetesError) -> KubernetesClusterConfiguration {
        guard let contextName = requested ?? (self.root["current-context"] as? String), !contextName.isEmpty else {
            throw self.fail("no current-context is set; pass a context")
        }
        let context = try self.entry("contexts", inner: "context", name: contextName)
        guard let clusterName = context["cluster"] as? String else { throw self.fail("context \"\(contextName)\" names no cluster") }
        guard let userName = context["user"] as? String else { throw self.fail("context \"\(contextName)\" names no user") }
        let cluster = try self.entry("clusters", inner: "cluster", name: clusterName)
        let user = try self.entry("users", inner: "user", name: userName)
        guard let server = cluster["server"] as? String else { throw self.fail("cluster \"\(clusterName)\" has no server") }
        if (cluster["insecure-skip-tls-verify"] as? Bool) == true {
            throw self.fail(
                "cluster \"\(clusterName)\" sets insecure-skip-tls-verify; Prescale always verifies the API server, so give it certificate-authority"
            )
        }
        guard let ca = try self.bytes(cluster, field: "certificate-authority", scope: "cluster \"\(clusterName)\"") else {
            throw self.fail(
                "cluster \"\(clusterName)\" has neither certificate-authority nor certificate-authority-data; Prescale verifies the API server's certificate"
            )
        }
        let credentials: KubernetesClusterConfiguration.Credentials
        let scope = "user \"\(userName)\""
        if let token = user["token"] as? String, !token.isEmpty {
            credentials = .token(token)
        } else if let file = user["tokenFile"] as? String {
            let resolved = file.hasPrefix("/") ? file : "\(self.directory)/\(file)"
            credentials = .tokenFile(path: resolved, refreshInterval: .seconds(60))
        } else if let certificate = try self.bytes(user, field: "client-certificate", scope: scope) {
            guard let key = try self.bytes(user, field: "client-key", scope: scope) else {
                throw self.fail("\(scope) has a client certificate but no client-key or client-key-data")
            }
            credentials = .clientCertificate(certificate: certificate, key: key)
        } else if user["exec"] != nil || user["auth-provider"] != nil {
            throw self.fail(
                "\(scope) uses an exec or auth-provider plugin, which Prescale does not run; use a token, tokenFile or client certificate")
        } else {
            throw self.fail("\(scope) has no token, tokenFile or client certificate")
        }
        return try KubernetesClusterConfiguration(
            server: server,
            certificateAuthority: ca,
            credentials: credentials,
            namespace: (context["namespace"] as? String) ?? "default",
            identity: "kubeconfig user \"\(userName)\" (context \"\(contextName)\")"
        )
    }
}
