import Foundation

/// Where the Kubernetes API server is and how to authenticate to it.
///
/// Built from the pod's service account (``inCluster(environment:serviceAccountDirectory:)``) or from a
/// kubeconfig (``kubeconfig(path:context:)``). The API is reached over HTTPS only, and the server's
/// certificate is verified against ``certificateAuthority``.
public struct KubernetesClusterConfiguration: Sendable {
    /// How requests are authenticated.
    public enum Credentials: Sendable {
        /// A bearer token read from a file and re-read every `refreshInterval` and after any 401, because
        /// bound service-account tokens rotate.
        case tokenFile(path: String, refreshInterval: Duration)
        /// A fixed bearer token (kubeconfig `token`).
        case token(String)
        /// A client certificate and key (PEM), presented during the TLS handshake.
        case clientCertificate(certificate: [UInt8], key: [UInt8])
    }

    /// `https://host:port`, without a trailing slash.
    public var server: String
    /// PEM bytes of the CA bundle that signed the API server's certificate.
    public var certificateAuthority: [UInt8]
    /// How requests are authenticated.
    public var credentials: Credentials
    /// The namespace Prescale runs in (the service account's, or the kubeconfig context's): where its
    /// Lease lives by default.
    public var namespace: String
    /// Who the credentials say Prescale is, for the startup log: the service account from the token's
    /// `sub` claim, or the kubeconfig user. Never the token itself.
    public var identity: String
    /// Per-request timeout. Default 5 s.
    public var requestTimeout: Duration = .seconds(5)

    /// Creates a configuration.
    ///
    /// - Throws: ``KubernetesError/Code/configuration`` unless `server` is an `https://` URL.
    public init(
        server: String,
        certificateAuthority: [UInt8],
        credentials: Credentials,
        namespace: String,
        identity: String
    ) throws(KubernetesError) {
        var trimmed = server
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard trimmed.lowercased().hasPrefix("https://"), trimmed.count > "https://".count else {
            throw KubernetesError(
                .configuration,
                "the Kubernetes API server must be an https:// URL; got \"\(server)\" (Prescale never sends a token in clear text)"
            )
        }
        self.server = trimmed
        self.certificateAuthority = certificateAuthority
        self.credentials = credentials
        self.namespace = namespace
        self.identity = identity
    }
}

extension KubernetesClusterConfiguration {
    /// The `sub` claim of a JWT (a service-account token), or `nil`. Reads the payload only; the token
    /// is never logged.
    static func subject(ofToken token: String) -> String? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let subject = object["sub"] as? String
        else { return nil }
        return subject
    }

    /// Reads a whole file, or throws a configuration error naming `what` and the path.
    static func readFile(_ path: String, what: String) throws(KubernetesError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubernetesError(.configuration, "cannot read \(what) at \(path)", context: ["path": path])
        }
        return Array(data)
    }
}
