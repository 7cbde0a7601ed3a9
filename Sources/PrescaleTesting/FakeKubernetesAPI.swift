import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A fake Kubernetes API server over HTTPS, for tests and benchmarks. It enforces the parts of the
/// API's contract Prescale relies on, and answers with realistic objects:
///
/// - TLS with a certificate signed by a CA made at test time (``certificates``);
/// - `Authorization: Bearer <token>` equal to ``token`` (401 otherwise; rotate it with ``rotateToken(_:)``);
/// - paths and verbs: ScaledObjects (`get`), Deployments and StatefulSets (`get`, with a
///   `status.readyReplicas` set by ``setReady(_:namespace:target:kind:)``), their `scale` subresource
///   (`get`, `patch`), ConfigMaps that exist (`get`, `update` with `resourceVersion` conflicts), Leases (`get`, `create`, `update` with `resourceVersion` conflicts); 404 and
///   405 otherwise;
/// - `Content-Type: application/merge-patch+json` on patches (415 otherwise), and a JSON body;
/// - RBAC denials set with ``forbid(verb:resource:)`` answer 403 with the API server's wording.
///
/// Every request is recorded (``requests``). ``stop()`` and ``start(port:)`` make an outage.
public final class FakeKubernetesAPI: Sendable {
    /// One request as received.
    public struct RecordedRequest: Sendable {
        public var method: String
        public var path: String
        public var contentType: String?
        public var status: Int
        public var body: String
        public var at: ContinuousClock.Instant
    }

    struct Lease {
        var object: [String: Any]
        var resourceVersion: Int
    }

    struct State: @unchecked Sendable {
        var token: String
        var scaledObjects: [String: [String: Any]] = [:]
        var replicas: [String: Int] = [:]
        /// `status.readyReplicas` of a target, when set; otherwise all of its replicas are ready.
        var ready: [String: Int] = [:]
        /// ConfigMaps by `namespace/name`: data and resourceVersion.
        var configMaps: [String: (data: [String: String], version: Int)] = [:]
        var leases: [String: Lease] = [:]
        var forbidden: Set<String> = []
        var failures: [Int] = []
        var requests: [RecordedRequest] = []
        var events: [[String: Any]] = []
        var resourceVersion = 100
        /// Another replica's write, applied just before the next PUT of a Lease is checked.
        var interposedHolder: String?
    }

    /// The CA, certificate and key the server uses.
    public let certificates: TestCertificates
    let state: Mutex<State>
    private let server = Mutex<(task: Task<Void, any Error>, group: ServiceGroup, port: Int)?>(nil)

    /// Creates a server that accepts `token`; call ``start(port:)``.
    public init(token: String = "test-token-\(UUID().uuidString)") async throws {
        self.certificates = try await TestCertificates.make()
        self.state = Mutex(State(token: token))
    }

    /// The accepted bearer token.
    public var token: String { self.state.withLock { $0.token } }

    /// `https://127.0.0.1:<port>` once started.
    public var url: String { "https://127.0.0.1:\(self.port)" }

    /// The bound port, 0 before the first start.
    public var port: Int { self.server.withLock { $0?.port ?? 0 } }

    /// Starts serving on `port` and returns once listening.
    ///
    /// Without a port, one is picked below the kernel's ephemeral range (32768 and up on Linux): a port
    /// that another server binding port 0, or an outgoing connection, can never take while this server is
    /// stopped for an outage, so ``start(port:)`` with the same port succeeds afterwards.
    public func start(port: Int? = nil) async throws {
        if let port {
            return try await self.serve(port: port)
        }
        var lastError: any Error = CancellationError()
        for _ in 0..<32 {
            do {
                return try await self.serve(port: Int.random(in: 20_000..<32_768))
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private func serve(port: Int) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(self.certificates.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: self.certificates.serverKey, format: .pem))
        )
        tls.minimumTLSVersion = .tlsv12
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in
                try await self.respond(to: request)
            },
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? 0)
                boundContinuation.finish()
            },
            logger: {
                var logger = Logger(label: "fake-kubernetes")
                logger.logLevel = .critical
                return logger
            }()
        )
        // Stopped by graceful shutdown, not cancellation: Hummingbird then closes the listener first and still
        // handles every connection already accepted. Cancelling drops accepted connections whose channel
        // writers were never finished, which NIO treats as a programming error and traps.
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "fake-kubernetes"))
        )
        let task = Task {
            // Ends the wait below if the server never starts running (the port is taken, for one).
            defer { boundContinuation.finish() }
            try await group.run()
        }
        var port = 0
        for await value in bound { port = value }
        guard port > 0 else {
            task.cancel()
            try await task.value
            throw CancellationError()
        }
        self.server.withLock { $0 = (task, group, port) }
    }

    /// Stops serving (connections are refused until the next ``start(port:)``) and returns once the
    /// listener is closed and every accepted connection has ended.
    public func stop() async {
        guard let (task, group) = self.server.withLock({ $0.map { ($0.task, $0.group) } }) else { return }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    // MARK: Setup

    /// Adds a ScaledObject targeting `target` (a Deployment by default) and its `scale` with `replicas`;
    /// with `scaleDownWindow`, its HPA behaviour sets that scale-down stabilisation window; with `cooldown`,
    /// its `cooldownPeriod`.
    public func addScaledObject(
        namespace: String, name: String, target: String, kind: String = "Deployment",
        minReplicas: Int? = nil, maxReplicas: Int? = nil, replicas: Int = 1, scaleDownWindow: Int? = nil, cooldown: Int? = nil
    ) {
        var spec: [String: Any] = [
            "scaleTargetRef": ["apiVersion": "apps/v1", "kind": kind, "name": target],
            "pollingInterval": 5,
            "triggers": [["type": "external-push", "metadata": ["scalerAddress": "prescale.prescale:6000", "source": "kafka"]]],
        ]
        if let minReplicas { spec["minReplicaCount"] = minReplicas }
        if let maxReplicas { spec["maxReplicaCount"] = maxReplicas }
        if let cooldown { spec["cooldownPeriod"] = cooldown }
        if let scaleDownWindow {
            spec["advanced"] = [
                "horizontalPodAutoscalerConfig": ["behavior": ["scaleDown": ["stabilizationWindowSeconds": scaleDownWindow]]]
            ]
        }
        self.state.withLock { state in
            state.resourceVersion += 1
            state.scaledObjects["\(namespace)/\(name)"] = [
                "apiVersion": "keda.sh/v1alpha1",
                "kind": "ScaledObject",
                "metadata": [
                    "name": name, "namespace": namespace, "uid": UUID().uuidString.lowercased(),
                    "resourceVersion": String(state.resourceVersion), "generation": 1,
                    "creationTimestamp": "2026-11-29T09:00:00Z",
                ],
                "spec": spec,
                "status": ["scaleTargetKind": "apps/v1.\(kind)", "conditions": [["type": "Ready", "status": "True"]]],
            ]
            state.replicas["\(namespace)/\(Self.plural(kind))/\(target)"] = replicas
        }
    }

    /// The `spec.replicas` of a target.
    public func replicas(namespace: String, target: String, kind: String = "Deployment") -> Int? {
        self.state.withLock { $0.replicas["\(namespace)/\(Self.plural(kind))/\(target)"] }
    }

    /// Sets a target's replicas, as the HPA would.
    public func setReplicas(_ count: Int, namespace: String, target: String, kind: String = "Deployment") {
        self.state.withLock { $0.replicas["\(namespace)/\(Self.plural(kind))/\(target)"] = count }
    }

    /// Sets a target's `status.readyReplicas`, as its controller would (by default all of `spec.replicas`).
    public func setReady(_ count: Int, namespace: String, target: String, kind: String = "Deployment") {
        self.state.withLock { $0.ready["\(namespace)/\(Self.plural(kind))/\(target)"] = count }
    }

    /// Creates a ConfigMap (as an install would).
    public func addConfigMap(namespace: String, name: String, data: [String: String] = [:]) {
        self.state.withLock { state in
            state.resourceVersion += 1
            state.configMaps["\(namespace)/\(name)"] = (data, state.resourceVersion)
        }
    }

    /// A ConfigMap's data as stored, or `nil` when it does not exist.
    public func configMapData(namespace: String, name: String) -> [String: String]? {
        self.state.withLock { $0.configMaps["\(namespace)/\(name)"]?.data }
    }

    /// The Events created so far, as stored (JSON objects).
    public var events: [[String: Any]] {
        self.state.withLock { $0.events }
    }

    /// Denies `verb` on `resource` (`patch` on `deployments.apps/scale`) with 403.
    public func forbid(verb: String, resource: String) {
        _ = self.state.withLock { $0.forbidden.insert("\(verb) \(resource)") }
    }

    /// Allows `verb` on `resource` again (RBAC fixed).
    public func permit(verb: String, resource: String) {
        _ = self.state.withLock { $0.forbidden.remove("\(verb) \(resource)") }
    }

    /// Answers the next requests with these statuses (409, 429, 503…), one each.
    public func failNext(_ statuses: [Int]) {
        self.state.withLock { $0.failures.append(contentsOf: statuses) }
    }

    /// Accepts `token` from now on, refusing the old one.
    public func rotateToken(_ token: String) {
        self.state.withLock { $0.token = token }
    }

    /// Every request so far.
    public var requests: [RecordedRequest] { self.state.withLock { $0.requests } }

    /// The holder of a Lease, `nil` if it does not exist.
    /// Makes another replica (`holder`) take the Lease just before the next PUT of it arrives, as when
    /// two replicas race between their read and their write: that PUT then carries a stale
    /// `resourceVersion` and gets the API server's 409.
    public func interposeLeaseWrite(holder: String) {
        self.state.withLock { $0.interposedHolder = holder }
    }

    public func leaseHolder(namespace: String, name: String) -> String? {
        self.state.withLock { state in
            (state.leases["\(namespace)/\(name)"]?.object["spec"] as? [String: Any])?["holderIdentity"] as? String
        }
    }

    static func plural(_ kind: String) -> String { kind.lowercased() + "s" }
}
