import Foundation
import PrescaleCore

extension KubernetesClient {
    /// `POST /api/v1/namespaces/{ns}/events`: a core/v1 Event of type Normal, reason `PrescaleScaledUp`, on
    /// the target, so that `kubectl describe` and `kubectl get events` show why it scaled.
    public func recordScaleUp(_ event: ScaleUpEvent) async throws(KubernetesError) {
        let now = ISO8601DateFormatter().string(from: Date())
        let object: [String: Any] = [
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": ["generateName": "\(event.target.name).prescale-", "namespace": event.namespace],
            "involvedObject": [
                "apiVersion": event.target.apiVersion, "kind": event.target.kind, "name": event.target.name, "namespace": event.namespace,
            ],
            "reason": "PrescaleScaledUp",
            "message": event.message,
            "type": "Normal",
            "source": ["component": "prescale"],
            "reportingComponent": "prescale",
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map(Array.init) ?? []
        let request = KubernetesRequest(
            verb: "create",
            resource: "events",
            namespace: event.namespace,
            name: nil,
            method: .post,
            path: "/api/v1/namespaces/\(event.namespace)/events",
            body: body,
            contentType: "application/json"
        )
        _ = try Self.decodeObject(try await self.send(request), request: request)
    }
}
