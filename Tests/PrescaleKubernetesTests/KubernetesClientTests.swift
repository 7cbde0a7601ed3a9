import Foundation
import PrescaleCore
import PrescaleTesting
import Synchronization
import Testing

@testable import PrescaleKubernetes

/// The client against the fake API server, which enforces paths, verbs, content types, the bearer
/// token and TLS.
@Suite("Kubernetes client against a fake API server over HTTPS")
struct KubernetesClientTests {
    @Test("reads a ScaledObject's target and bounds, reads and patches the scale subresource")
    func scaledObjectAndScale() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", minReplicas: 2, maxReplicas: 20, replicas: 3)
            api.addScaledObject(namespace: "shop", name: "defaults", target: "defaults-consumer", kind: "StatefulSet")
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let info = try await client.scaledObject(shopOrders)
            #expect(info.target == ScaleTarget(apiVersion: "apps/v1", kind: "Deployment", name: "orders-consumer"))
            #expect(info.bounds == ReplicaBounds(minimum: 2, maximum: 20))
            let defaults = try await client.scaledObject(ScaledObjectKey(namespace: "shop", name: "defaults"))
            // KEDA's defaults: minReplicaCount 0, maxReplicaCount 100.
            #expect(defaults.bounds == ReplicaBounds(minimum: 0, maximum: 100))
            #expect(defaults.target.rbacResource == "statefulsets.apps/scale")
            #expect(try await client.replicas(of: info.target, namespace: "shop") == 3)
            try await client.setReplicas(7, of: info.target, namespace: "shop")
            #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 7)
            let patch = try #require(patches(api).first)
            #expect(patch.path == "/apis/apps/v1/namespaces/shop/deployments/orders-consumer/scale")
            #expect(patch.contentType == "application/merge-patch+json")
            #expect(patch.body == #"{"spec":{"replicas":7}}"#)
        }
    }

    @Test("403 names the verb, the resource and the namespace the RBAC is missing")
    func forbidden() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer")
            api.forbid(verb: "patch", resource: "deployments.apps/scale")
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let error = await #expect(throws: KubernetesError.self) {
                try await client.setReplicas(4, of: ScaleTarget(name: "orders-consumer"), namespace: "shop")
            }
            #expect(error?.code == .forbidden)
            let message = error?.message ?? ""
            #expect(message.contains("patch deployments.apps/scale in namespace shop"))
            #expect(message.contains("system:serviceaccount:prescale:prescale"))
            #expect(!message.contains(api.token))
            #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 1)
        }
    }

    @Test("a missing ScaledObject or target is not_found, naming it")
    func notFound() async throws {
        try await withFakeAPI { api in
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let error = await #expect(throws: KubernetesError.self) { try await client.scaledObject(shopOrders) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("scaledobjects.keda.sh shop/orders does not exist") == true)
        }
    }

    @Test("a server certificate from another CA is refused before any request is sent")
    func wrongCA() async throws {
        try await withFakeAPI { api in
            let other = try await TestCertificates.make()
            let client = try KubernetesClient(
                configuration: KubernetesClusterConfiguration(
                    server: api.url,
                    certificateAuthority: Array(try Data(contentsOf: URL(fileURLWithPath: other.ca))),
                    credentials: .token(api.token),
                    namespace: "prescale",
                    identity: "test"
                )
            )
            defer { Task { await client.shutdown() } }
            let error = await #expect(throws: KubernetesError.self) { try await client.scaledObject(shopOrders) }
            #expect(error?.code == .tls)
            #expect(api.requests.isEmpty)
        }
    }

    @Test("a token rotated mid-test is re-read from its file after the 401, with no restart")
    func tokenRotation() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer")
            let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
            try api.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            // A refresh interval of an hour: only the 401 path can pick the new token up.
            let client = try makeClient(for: api, credentials: .tokenFile(path: tokenFile, refreshInterval: .seconds(3600)))
            defer { Task { await client.shutdown() } }
            _ = try await client.scaledObject(shopOrders)
            api.rotateToken("rotated-token")
            try "rotated-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            _ = try await client.scaledObject(shopOrders)
            #expect(api.requests.map(\.status) == [200, 401, 200])
        }
    }

    @Test("a fixed token that the server no longer accepts is unauthorized, without the token in the message")
    func unauthorized() async throws {
        try await withFakeAPI { api in
            let client = try makeClient(for: api, credentials: .token("stale-secret-token"))
            defer { Task { await client.shutdown() } }
            let error = await #expect(throws: KubernetesError.self) { try await client.scaledObject(shopOrders) }
            #expect(error?.code == .unauthorized)
            #expect(error.map { !"\($0)".contains("stale-secret-token") } == true)
        }
    }

    @Test("the fake API stops and restarts on its port while connections keep arriving, without a crash")
    func stopWhileConnecting() async throws {
        let api = try await FakeKubernetesAPI()
        try await api.start()
        let port = api.port
        let done = Atomic<Bool>(false)
        let connects = Atomic<Int>(0)
        // A client that opens and drops TCP connections as fast as it can, on its own thread.
        let thread = Thread {
            while !done.load(ordering: .relaxed) {
                if loopbackAccepts(port: port) { connects.add(1, ordering: .relaxed) }
            }
        }
        thread.start()
        defer { done.store(true, ordering: .relaxed) }
        for _ in 0..<10 {
            let before = connects.load(ordering: .relaxed)
            try await eventually("connections arrive") { connects.load(ordering: .relaxed) > before + 20 }
            await api.stop()
            try await api.start(port: port)
        }
        await api.stop()
    }

    @Test("an unreachable server is retryable; a body that is not JSON is bad_response, not a crash")
    func unreachableAndBadBody() async throws {
        let api = try await FakeKubernetesAPI()
        try await api.start()
        let client = try makeClient(for: api)
        defer { Task { await client.shutdown() } }
        await api.stop()
        let error = await #expect(throws: KubernetesError.self) { try await client.scaledObject(shopOrders) }
        #expect(error?.code == .unreachable)
        #expect(error?.isRetryable == true)
        let request = KubernetesRequest(verb: "get", resource: "x", namespace: "n", name: "y", method: .get, path: "/")
        #expect(throws: KubernetesError.self) { try KubernetesClient.decodeObject(Array("<html>".utf8), request: request) }
        #expect(throws: KubernetesError.self) { try KubernetesClient.decodeLease(Array("{\"kind\":\"Pod\"}".utf8), request: request) }
    }
}
