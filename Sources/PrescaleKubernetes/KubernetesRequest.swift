/// One API call: the verb in RBAC terms, the resource it touches, and the HTTP shape.
///
/// The RBAC names make 401/403/404 errors say exactly which permission or object is missing.
public struct KubernetesRequest: Sendable {
    /// The HTTP method.
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case patch = "PATCH"
    }

    /// The RBAC verb: `get`, `create`, `update`, `patch`.
    public var verb: String
    /// The RBAC resource, with group and subresource: `deployments.apps/scale`, `scaledobjects.keda.sh`.
    public var resource: String
    /// The namespace of the object.
    public var namespace: String
    /// The object's name, if the call names one.
    public var name: String?
    /// The HTTP method.
    public var method: Method
    /// The URL path, from `/api` or `/apis`.
    public var path: String
    /// The JSON body, if any.
    public var body: [UInt8]?
    /// The body's content type: `application/json`, or `application/merge-patch+json` for a patch.
    public var contentType: String?

    /// Creates a request.
    public init(
        verb: String,
        resource: String,
        namespace: String,
        name: String?,
        method: Method,
        path: String,
        body: [UInt8]? = nil,
        contentType: String? = nil
    ) {
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.method = method
        self.path = path
        self.body = body
        self.contentType = contentType
    }

    /// `patch deployments.apps/scale shop/orders`, for messages.
    public var summary: String {
        "\(self.verb) \(self.resource) \(self.namespace)/\(self.name ?? "")"
    }

    var errorContext: [String: String] {
        ["verb": self.verb, "resource": self.resource, "namespace": self.namespace, "path": self.path]
    }
}
