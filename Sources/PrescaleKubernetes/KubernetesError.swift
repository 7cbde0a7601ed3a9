/// A failed Kubernetes API call or a bad cluster configuration, with a code, a message a user can act
/// on, and context (verb, path, HTTP status). Never carries a token.
///
/// ```swift
/// throw KubernetesError(.forbidden, "RBAC does not allow patch on deployments/scale", context: ["verb": "patch"])
/// ```
public struct KubernetesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. New codes may be added; switch with a default.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// 401: the token or client certificate was refused.
        public static let unauthorized = Code("unauthorized")
        /// 403: RBAC does not allow the verb on the resource.
        public static let forbidden = Code("forbidden")
        /// 404: the ScaledObject or the scale target does not exist.
        public static let notFound = Code("not_found")
        /// 409: someone else changed the object first (retried).
        public static let conflict = Code("conflict")
        /// 429: the API server asked to slow down (retried).
        public static let tooManyRequests = Code("too_many_requests")
        /// 5xx (retried).
        public static let serverError = Code("server_error")
        /// Any other unexpected HTTP status.
        public static let unexpectedStatus = Code("unexpected_status")
        /// The API server could not be reached: refused, timed out, DNS (retried).
        public static let unreachable = Code("unreachable")
        /// The TLS handshake failed, typically a server certificate the cluster CA did not sign.
        public static let tls = Code("tls")
        /// The response body was not the object expected.
        public static let badResponse = Code("bad_response")
        /// The kubeconfig, service-account files or flags are unusable.
        public static let configuration = Code("configuration")

        /// A short, stable name that is safe as a metric label.
        public var description: String { self.value }
    }

    /// What went wrong.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// Where: `verb`, `path`, `status` and the like.
    public var context: [String: String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// Whether trying again later can succeed without anyone changing anything: 409, 429, 5xx, and an
    /// unreachable API server.
    public var isRetryable: Bool {
        [.conflict, .tooManyRequests, .serverError, .unreachable].contains(self.code)
    }

    public var description: String {
        guard !self.context.isEmpty else { return self.message }
        let details = self.context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(self.message) (\(details))"
    }
}
