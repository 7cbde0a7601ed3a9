import Foundation
import Hummingbird
import NIOCore

extension FakeKubernetesAPI {
    /// A parsed API path.
    enum Route {
        case scaledObject(namespace: String, name: String)
        case scale(namespace: String, plural: String, group: String, name: String)
        case workload(namespace: String, plural: String, name: String)
        case leases(namespace: String)
        case lease(namespace: String, name: String)
        case events(namespace: String)
        case configMap(namespace: String, name: String)
    }

    static func route(_ path: String) -> Route? {
        let parts = path.split(separator: "/").map(String.init)
        switch parts.count {
        case 7
        where parts[0] == "apis" && parts[1] == "keda.sh" && parts[2] == "v1alpha1" && parts[3] == "namespaces"
            && parts[5] == "scaledobjects":
            return .scaledObject(namespace: parts[4], name: parts[6])
        case 8
        where parts[0] == "apis" && parts[1] == "apps" && parts[2] == "v1" && parts[3] == "namespaces"
            && ["deployments", "statefulsets"].contains(parts[5]) && parts[7] == "scale":
            return .scale(namespace: parts[4], plural: parts[5], group: "apps", name: parts[6])
        case 7
        where parts[0] == "apis" && parts[1] == "apps" && parts[2] == "v1" && parts[3] == "namespaces"
            && ["deployments", "statefulsets"].contains(parts[5]):
            return .workload(namespace: parts[4], plural: parts[5], name: parts[6])
        case 6
        where parts[0] == "apis" && parts[1] == "coordination.k8s.io" && parts[2] == "v1" && parts[3] == "namespaces"
            && parts[5] == "leases":
            return .leases(namespace: parts[4])
        case 7
        where parts[0] == "apis" && parts[1] == "coordination.k8s.io" && parts[2] == "v1" && parts[3] == "namespaces"
            && parts[5] == "leases":
            return .lease(namespace: parts[4], name: parts[6])
        case 5 where parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && parts[4] == "events":
            return .events(namespace: parts[3])
        case 6 where parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && parts[4] == "configmaps":
            return .configMap(namespace: parts[3], name: parts[5])
        default:
            return nil
        }
    }

    /// RBAC verb and resource of a request, as the API server's authorizer sees them.
    static func rbac(_ route: Route, method: String) -> (verb: String, resource: String, group: String, name: String?)? {
        let verbs = ["GET": "get", "PATCH": "patch", "POST": "create", "PUT": "update"]
        guard let verb = verbs[method] else { return nil }
        switch route {
        case .scaledObject(_, let name): return (verb, "scaledobjects.keda.sh", "keda.sh", name)
        case .scale(_, let plural, let group, let name): return (verb, "\(plural).\(group)/scale", group, name)
        case .workload(_, let plural, let name): return (verb, "\(plural).apps", "apps", name)
        case .leases: return (verb, "leases.coordination.k8s.io", "coordination.k8s.io", nil)
        case .lease(_, let name): return (verb, "leases.coordination.k8s.io", "coordination.k8s.io", name)
        case .events: return (verb, "events", "", nil)
        case .configMap(_, let name): return (verb, "configmaps", "", name)
        }
    }

    func respond(to request: Request) async throws -> Response {
        let method = request.method.rawValue
        let path = request.uri.path
        let contentType = request.headers[.contentType]
        let body = try await request.body.collect(upTo: 1 << 20)
        let bodyBytes = Array(body.readableBytesView)
        // Recorded under the same lock as its effect: a test that sees the effect sees the request.
        let (status, object) = self.handle(
            method: method, path: path, authorization: request.headers[.authorization], contentType: contentType, body: bodyBytes
        ) { status in
            RecordedRequest(
                method: method, path: path, contentType: contentType, status: status, body: String(decoding: bodyBytes, as: UTF8.self),
                at: .now)
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(
            status: .init(code: status),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// A `Status` object as the API server sends it.
    static func status(_ code: Int, _ reason: String, _ message: String) -> (Int, [String: Any]) {
        (
            code,
            [
                "kind": "Status", "apiVersion": "v1", "metadata": [:] as [String: Any], "status": "Failure", "message": message,
                "reason": reason, "code": code,
            ]
        )
    }

    func handle(
        method: String, path: String, authorization: String?, contentType: String?, body: [UInt8],
        record: (Int) -> RecordedRequest
    ) -> (Int, [String: Any]) {
        self.state.withLock { state -> (Int, [String: Any]) in
            let answer = { () -> (Int, [String: Any]) in
                guard authorization == "Bearer \(state.token)" else {
                    return Self.status(401, "Unauthorized", "Unauthorized")
                }
                guard let route = Self.route(path) else {
                    return Self.status(404, "NotFound", "the server could not find the requested resource")
                }
                guard let (verb, resource, group, name) = Self.rbac(route, method: method) else {
                    return Self.status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
                }
                if state.forbidden.contains("\(verb) \(resource)") {
                    let namespace: String
                    switch route {
                    case .scaledObject(let ns, _), .scale(let ns, _, _, _), .workload(let ns, _, _), .leases(let ns), .lease(let ns, _),
                        .events(let ns), .configMap(let ns, _):
                        namespace = ns
                    }
                    let plain = resource.split(separator: ".").first.map(String.init) ?? resource
                    let sub = resource.contains("/") ? "/" + (resource.split(separator: "/").last.map(String.init) ?? "") : ""
                    return Self.status(
                        403, "Forbidden",
                        "\(plain).\(group) \"\(name ?? "")\" is forbidden: User \"system:serviceaccount:prescale:prescale\" cannot \(verb) "
                            + "resource \"\(plain)\(sub)\" in API group \"\(group)\" in the namespace \"\(namespace)\""
                    )
                }
                if !state.failures.isEmpty {
                    let code = state.failures.removeFirst()
                    return Self.status(
                        code, code == 409 ? "Conflict" : code == 429 ? "TooManyRequests" : "InternalError", "injected failure \(code)")
                }
                if method == "PATCH" && contentType != "application/merge-patch+json" {
                    return Self.status(
                        415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                    )
                }
                if method == "POST" || method == "PUT", contentType != "application/json" {
                    return Self.status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
                }
                switch route {
                case .scaledObject(let namespace, let name):
                    guard method == "GET" else { return Self.status(405, "MethodNotAllowed", "not allowed") }
                    guard let object = state.scaledObjects["\(namespace)/\(name)"] else {
                        return Self.status(404, "NotFound", "scaledobjects.keda.sh \"\(name)\" not found")
                    }
                    return (200, object)
                case .scale(let namespace, let plural, _, let name):
                    let key = "\(namespace)/\(plural)/\(name)"
                    guard let current = state.replicas[key] else {
                        return Self.status(404, "NotFound", "\(plural).apps \"\(name)\" not found")
                    }
                    if method == "PATCH" {
                        guard let patch = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                            let spec = patch["spec"] as? [String: Any], let replicas = spec["replicas"] as? Int, replicas >= 0
                        else {
                            return Self.status(422, "Invalid", "Scale.autoscaling \"\(name)\" is invalid: spec.replicas: Invalid value")
                        }
                        state.replicas[key] = replicas
                        state.resourceVersion += 1
                        return (200, Self.scale(namespace: namespace, name: name, replicas: replicas, version: state.resourceVersion))
                    }
                    guard method == "GET" else { return Self.status(405, "MethodNotAllowed", "not allowed") }
                    return (200, Self.scale(namespace: namespace, name: name, replicas: current, version: state.resourceVersion))
                case .workload(let namespace, let plural, let name):
                    let key = "\(namespace)/\(plural)/\(name)"
                    guard let replicas = state.replicas[key] else {
                        return Self.status(404, "NotFound", "\(plural).apps \"\(name)\" not found")
                    }
                    guard method == "GET" else { return Self.status(405, "MethodNotAllowed", "not allowed") }
                    // Pods not yet ready are not counted; the API server omits a zero readyReplicas.
                    let ready = min(state.ready[key] ?? replicas, replicas)
                    var status: [String: Any] = ["replicas": replicas, "observedGeneration": 1]
                    if ready > 0 { status["readyReplicas"] = ready }
                    return (
                        200,
                        [
                            "kind": plural == "deployments" ? "Deployment" : "StatefulSet", "apiVersion": "apps/v1",
                            "metadata": ["name": name, "namespace": namespace, "resourceVersion": String(state.resourceVersion)],
                            "spec": ["replicas": replicas], "status": status,
                        ]
                    )
                case .configMap(let namespace, let name):
                    return Self.configMapRequest(&state, method: method, namespace: namespace, name: name, body: body)
                case .leases(let namespace):
                    guard method == "POST" else { return Self.status(405, "MethodNotAllowed", "not allowed") }
                    return Self.createLease(&state, namespace: namespace, body: body)
                case .lease(let namespace, let name):
                    return Self.leaseRequest(&state, method: method, namespace: namespace, name: name, body: body)
                case .events(let namespace):
                    guard method == "POST" else { return Self.status(405, "MethodNotAllowed", "not allowed") }
                    // The fields the API server requires of a core/v1 Event.
                    guard var event = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                        event["kind"] as? String == "Event", event["apiVersion"] as? String == "v1",
                        let involved = event["involvedObject"] as? [String: Any], involved["name"] is String,
                        (involved["namespace"] as? String) == namespace,
                        var metadata = event["metadata"] as? [String: Any],
                        metadata["name"] is String || metadata["generateName"] is String,
                        event["reason"] is String, event["message"] is String
                    else {
                        return Self.status(
                            422, "Invalid",
                            "Event is invalid: involvedObject, metadata.name or generateName, reason and message are required")
                    }
                    state.resourceVersion += 1
                    metadata["namespace"] = namespace
                    metadata["name"] = metadata["name"] ?? "\(metadata["generateName"]!)\(state.resourceVersion)"
                    metadata["resourceVersion"] = String(state.resourceVersion)
                    event["metadata"] = metadata
                    state.events.append(event)
                    return (201, event)
                }
            }()
            state.requests.append(record(answer.0))
            return answer
        }
    }

    /// `get` and `update` of a ConfigMap that exists, with resourceVersion conflicts.
    static func configMapRequest(_ state: inout State, method: String, namespace: String, name: String, body: [UInt8])
        -> (Int, [String: Any])
    {
        let key = "\(namespace)/\(name)"
        guard let current = state.configMaps[key] else { return Self.status(404, "NotFound", "configmaps \"\(name)\" not found") }
        func object(_ map: (data: [String: String], version: Int)) -> [String: Any] {
            [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": name, "namespace": namespace, "resourceVersion": String(map.version)], "data": map.data,
            ]
        }
        switch method {
        case "GET":
            return (200, object(current))
        case "PUT":
            guard let sent = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], sent["kind"] as? String == "ConfigMap",
                let metadata = sent["metadata"] as? [String: Any], metadata["name"] as? String == name
            else {
                return Self.status(400, "BadRequest", "the name of the object does not match the name on the URL")
            }
            guard let data = (sent["data"] ?? [String: String]()) as? [String: String] else {
                return Self.status(422, "Invalid", "ConfigMap \"\(name)\" is invalid: data values must be strings")
            }
            guard metadata["resourceVersion"] as? String == String(current.version) else {
                return Self.status(409, "Conflict", "Operation cannot be fulfilled on configmaps \"\(name)\": the object has been modified")
            }
            state.resourceVersion += 1
            state.configMaps[key] = (data, state.resourceVersion)
            return (200, object((data, state.resourceVersion)))
        default:
            return Self.status(405, "MethodNotAllowed", "not allowed")
        }
    }

    static func scale(namespace: String, name: String, replicas: Int, version: Int) -> [String: Any] {
        [
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": [
                "name": name, "namespace": namespace, "resourceVersion": String(version), "creationTimestamp": "2026-11-29T09:00:00Z",
            ],
            "spec": ["replicas": replicas],
            "status": ["replicas": replicas, "selector": "app=\(name)"],
        ]
    }

    static func createLease(_ state: inout State, namespace: String, body: [UInt8]) -> (Int, [String: Any]) {
        guard var object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            object["kind"] as? String == "Lease", var metadata = object["metadata"] as? [String: Any],
            let name = metadata["name"] as? String
        else {
            return Self.status(400, "BadRequest", "the body is not a Lease")
        }
        guard state.leases["\(namespace)/\(name)"] == nil else {
            return Self.status(409, "AlreadyExists", "leases.coordination.k8s.io \"\(name)\" already exists")
        }
        state.resourceVersion += 1
        metadata["resourceVersion"] = String(state.resourceVersion)
        metadata["namespace"] = namespace
        object["metadata"] = metadata
        state.leases["\(namespace)/\(name)"] = Lease(object: object, resourceVersion: state.resourceVersion)
        return (201, object)
    }

    static func leaseRequest(_ state: inout State, method: String, namespace: String, name: String, body: [UInt8]) -> (Int, [String: Any]) {
        guard var lease = state.leases["\(namespace)/\(name)"] else {
            return Self.status(404, "NotFound", "leases.coordination.k8s.io \"\(name)\" not found")
        }
        if method == "GET" { return (200, lease.object) }
        guard method == "PUT" else { return Self.status(405, "MethodNotAllowed", "not allowed") }
        if let holder = state.interposedHolder {
            state.interposedHolder = nil
            var other = lease.object
            var spec = other["spec"] as? [String: Any] ?? [:]
            spec["holderIdentity"] = holder
            other["spec"] = spec
            state.resourceVersion += 1
            var otherMetadata = other["metadata"] as? [String: Any] ?? [:]
            otherMetadata["resourceVersion"] = String(state.resourceVersion)
            other["metadata"] = otherMetadata
            lease = Lease(object: other, resourceVersion: state.resourceVersion)
            state.leases["\(namespace)/\(name)"] = lease
        }
        guard var object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            object["kind"] as? String == "Lease", var metadata = object["metadata"] as? [String: Any]
        else {
            return Self.status(400, "BadRequest", "the body is not a Lease")
        }
        guard metadata["resourceVersion"] as? String == String(lease.resourceVersion) else {
            return Self.status(
                409, "Conflict",
                "Operation cannot be fulfilled on leases.coordination.k8s.io \"\(name)\": the object has been modified; please apply your changes to the latest version and try again"
            )
        }
        state.resourceVersion += 1
        metadata["resourceVersion"] = String(state.resourceVersion)
        object["metadata"] = metadata
        state.leases["\(namespace)/\(name)"] = Lease(object: object, resourceVersion: state.resourceVersion)
        return (200, object)
    }
}
