import PrescaleCore

/// A failed Kubernetes API call or a bad cluster configuration, with a code, a message a user can act
/// on, and context (verb, path, HTTP status). Never carries a token.
///
/// ```swift
/// throw KubernetesError(.forbidden, "RBAC does not allow patch on deployments/scale", context: ["verb": "patch"])
/// ```
public struct KubernetesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. New codes may be added; switch with a default.
    public typealias Code = ErrorCode<KubernetesError>

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

extension ErrorCode where Domain == KubernetesError {
    /// 401: the token or client certificate was refused.
    public static var unauthorized: Self { Self("unauthorized") }
    /// 403: RBAC does not allow the verb on the resource.
    public static var forbidden: Self { Self("forbidden") }
    /// 404: the ScaledObject or the scale target does not exist.
    public static var notFound: Self { Self("not_found") }
    /// 409: someone else changed the object first (retried).
    public static var conflict: Self { Self("conflict") }
    /// 429: the API server asked to slow down (retried).
    public static var tooManyRequests: Self { Self("too_many_requests") }
    /// 5xx (retried).
    public static var serverError: Self { Self("server_error") }
    /// Any other unexpected HTTP status.
    public static var unexpectedStatus: Self { Self("unexpected_status") }
    /// The API server could not be reached: refused, timed out, DNS (retried).
    public static var unreachable: Self { Self("unreachable") }
    /// The TLS handshake failed, typically a server certificate the cluster CA did not sign.
    public static var tls: Self { Self("tls") }
    /// The response body was not the object expected.
    public static var badResponse: Self { Self("bad_response") }
    /// The kubeconfig, service-account files or flags are unusable.
    public static var configuration: Self { Self("configuration") }
}
