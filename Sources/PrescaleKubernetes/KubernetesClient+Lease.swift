import Foundation

/// The fields of a `coordination.k8s.io/v1` Lease that leader election uses.
public struct LeaseRecord: Sendable, Hashable {
    /// `spec.holderIdentity`; empty when released.
    public var holder: String
    /// `spec.leaseDurationSeconds`.
    public var durationSeconds: Int
    /// `spec.leaseTransitions`.
    public var transitions: Int
    /// `metadata.resourceVersion`, sent back on update so that two writers cannot both win.
    public var resourceVersion: String?

    /// Creates a record.
    public init(holder: String, durationSeconds: Int, transitions: Int = 0, resourceVersion: String? = nil) {
        self.holder = holder
        self.durationSeconds = durationSeconds
        self.transitions = transitions
        self.resourceVersion = resourceVersion
    }
}

/// Reading and writing one Lease.
public protocol LeaseAPI: Sendable {
    /// The Lease, or `nil` when it does not exist.
    func lease(namespace: String, name: String) async throws(KubernetesError) -> LeaseRecord?
    /// Creates the Lease (`409` if someone else did first); returns it as stored.
    func createLease(_ record: LeaseRecord, namespace: String, name: String, acquired: Date) async throws(KubernetesError) -> LeaseRecord
    /// Replaces the Lease, guarded by `record.resourceVersion` (`409` if it changed); returns it as stored.
    func updateLease(_ record: LeaseRecord, namespace: String, name: String, acquired: Date?) async throws(KubernetesError) -> LeaseRecord
}

extension KubernetesClient: LeaseAPI {
    static let leaseResource = "leases.coordination.k8s.io"

    static func leasePath(namespace: String, name: String? = nil) -> String {
        let base = "/apis/coordination.k8s.io/v1/namespaces/\(namespace)/leases"
        return name.map { "\(base)/\($0)" } ?? base
    }

    public func lease(namespace: String, name: String) async throws(KubernetesError) -> LeaseRecord? {
        let request = KubernetesRequest(
            verb: "get", resource: Self.leaseResource, namespace: namespace, name: name,
            method: .get, path: Self.leasePath(namespace: namespace, name: name)
        )
        do {
            return try Self.decodeLease(try await self.send(request), request: request)
        } catch  where error.code == .notFound {
            return nil
        }
    }

    public func createLease(_ record: LeaseRecord, namespace: String, name: String, acquired: Date) async throws(KubernetesError)
        -> LeaseRecord
    {
        let request = KubernetesRequest(
            verb: "create", resource: Self.leaseResource, namespace: namespace, name: name,
            method: .post, path: Self.leasePath(namespace: namespace),
            body: Self.encodeLease(record, namespace: namespace, name: name, acquired: acquired),
            contentType: "application/json"
        )
        return try Self.decodeLease(try await self.send(request), request: request)
    }

    public func updateLease(_ record: LeaseRecord, namespace: String, name: String, acquired: Date?) async throws(KubernetesError)
        -> LeaseRecord
    {
        let request = KubernetesRequest(
            verb: "update", resource: Self.leaseResource, namespace: namespace, name: name,
            method: .put, path: Self.leasePath(namespace: namespace, name: name),
            body: Self.encodeLease(record, namespace: namespace, name: name, acquired: acquired),
            contentType: "application/json"
        )
        return try Self.decodeLease(try await self.send(request), request: request)
    }

    /// `MicroTime`: RFC 3339 in UTC with exactly six fractional digits, as the API server parses it.
    static func microTime(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let micros = min(999_999, Int(((seconds - whole) * 1_000_000).rounded()))
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros
        )
    }

    static func encodeLease(_ record: LeaseRecord, namespace: String, name: String, acquired: Date?) -> [UInt8] {
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if let version = record.resourceVersion { metadata["resourceVersion"] = version }
        var spec: [String: Any] = [
            "holderIdentity": record.holder,
            "leaseDurationSeconds": record.durationSeconds,
            "leaseTransitions": record.transitions,
            "renewTime": Self.microTime(Date()),
        ]
        if let acquired { spec["acquireTime"] = Self.microTime(acquired) }
        let object: [String: Any] = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec,
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    static func decodeLease(_ body: [UInt8], request: KubernetesRequest) throws(KubernetesError) -> LeaseRecord {
        let object = try Self.decodeObject(body, request: request)
        guard (object["kind"] as? String) == "Lease" else {
            throw KubernetesError(.badResponse, "\(request.summary) did not answer a Lease object", context: request.errorContext)
        }
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        let spec = object["spec"] as? [String: Any] ?? [:]
        return LeaseRecord(
            holder: spec["holderIdentity"] as? String ?? "",
            durationSeconds: (spec["leaseDurationSeconds"] as? NSNumber)?.intValue ?? 15,
            transitions: (spec["leaseTransitions"] as? NSNumber)?.intValue ?? 0,
            resourceVersion: metadata["resourceVersion"] as? String
        )
    }
}
