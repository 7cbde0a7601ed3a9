import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A small Kubernetes API client: HTTPS only, the cluster CA verified, bearer-token or
/// client-certificate authentication. Enough for ScaledObjects, the `scale` subresource and Leases.
///
/// ```swift
/// let client = try KubernetesClient(configuration: .inCluster())
/// let so = try await client.scaledObject(namespace: "shop", name: "orders")
/// try await client.shutdown()
/// ```
public final class KubernetesClient: Sendable {
    /// The cluster this client talks to.
    public let configuration: KubernetesClusterConfiguration
    private let http: HTTPClient
    private let token: BearerTokenSource?
    /// ``KubernetesClusterConfiguration/requestTimeout`` as NIO's type, for connect, read and the whole request.
    private let timeout: TimeAmount

    /// The largest response body read. API objects Prescale reads are a few KiB.
    static let maximumBodyBytes = 4 << 20

    /// Creates a client.
    ///
    /// - Throws: ``KubernetesError/Code/configuration`` when the CA or client certificate is not PEM.
    public init(configuration: KubernetesClusterConfiguration) throws(KubernetesError) {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        do {
            let roots = try NIOSSLCertificate.fromPEMBytes(configuration.certificateAuthority)
            guard !roots.isEmpty else { throw KubernetesError(.configuration, "the cluster CA holds no PEM certificate") }
            tls.trustRoots = .certificates(roots)
        } catch let error as KubernetesError {
            throw error
        } catch {
            throw KubernetesError(.configuration, "the cluster CA is not a PEM certificate bundle: \(error)")
        }
        switch configuration.credentials {
        case .token(let value):
            self.token = BearerTokenSource(fixed: value)
        case .tokenFile(let path, let refreshInterval):
            self.token = BearerTokenSource(path: path, refreshInterval: refreshInterval)
        case .clientCertificate(let certificate, let key):
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            } catch {
                throw KubernetesError(.configuration, "the client certificate or key is not PEM: \(error)")
            }
            self.token = nil
        }
        self.timeout = .nanoseconds(configuration.requestTimeout.inNanoseconds)
        var httpConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        httpConfiguration.timeout = .init(connect: self.timeout, read: self.timeout)
        httpConfiguration.redirectConfiguration = .disallow
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
    }

    /// Closes the connection pool. Call once, after the last request.
    public func shutdown() async {
        try? await self.http.shutdown()
    }

    /// Sends `request` and returns the body of a 2xx answer.
    ///
    /// A 401 with a token file makes the client re-read the token and try once more, so a rotated
    /// token is picked up at once.
    ///
    /// - Throws: ``KubernetesError`` with the code for the status (401, 403, 404, 409, 429, 5xx), for
    ///   an unreachable server, or for a TLS failure.
    public func send(_ request: KubernetesRequest) async throws(KubernetesError) -> [UInt8] {
        do {
            return try await self.sendOnce(request)
        } catch  where error.code == .unauthorized && self.token?.invalidate() == true {
            return try await self.sendOnce(request)
        }
    }

    private func sendOnce(_ request: KubernetesRequest) async throws(KubernetesError) -> [UInt8] {
        var http = HTTPClientRequest(url: self.configuration.server + request.path)
        http.method = HTTPMethod(rawValue: request.method.rawValue)
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: "prescale")
        if let token = self.token {
            http.headers.add(name: "Authorization", value: try token.authorization())
        }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            http.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await self.http.execute(http, timeout: self.timeout)
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: Self.maximumBodyBytes)
            bytes = Array(buffer.readableBytesView)
        } catch {
            throw Self.transportError(error, request: request, server: self.configuration.server)
        }
        guard (200..<300).contains(status) else {
            throw self.statusError(status, body: bytes, request: request)
        }
        return bytes
    }

    static func transportError(_ error: any Error, request: KubernetesRequest, server: String) -> KubernetesError {
        var context = request.errorContext
        context["server"] = server
        if error is NIOSSLError || String(describing: error).contains("SSL") || String(describing: error).contains("certificate") {
            return KubernetesError(
                .tls,
                "TLS with the Kubernetes API server failed for \(request.summary): \(error); is the cluster CA right?",
                context: context
            )
        }
        return KubernetesError(.unreachable, "the Kubernetes API server is unreachable for \(request.summary): \(error)", context: context)
    }

    func statusError(_ status: Int, body: [UInt8], request: KubernetesRequest) -> KubernetesError {
        var context = request.errorContext
        context["status"] = String(status)
        let said = Self.statusMessage(body).map { "; the API server said: \($0)" } ?? ""
        switch status {
        case 401:
            return KubernetesError(
                .unauthorized,
                "the Kubernetes API server refused the credentials of \(self.configuration.identity) (401) for \(request.summary)\(said)",
                context: context
            )
        case 403:
            return KubernetesError(
                .forbidden,
                "RBAC does not allow \(self.configuration.identity) to \(request.verb) \(request.resource) in namespace "
                    + "\(request.namespace): grant the verb \"\(request.verb)\" on \"\(request.resource)\" "
                    + "(see deploy/prescale/components/actuation/rbac.yaml)\(said)",
                context: context
            )
        case 404:
            return KubernetesError(
                .notFound, "\(request.resource) \(request.namespace)/\(request.name ?? "") does not exist\(said)", context: context)
        case 409:
            return KubernetesError(
                .conflict, "conflict on \(request.summary) (409), someone else changed it first\(said)", context: context)
        case 429:
            return KubernetesError(
                .tooManyRequests, "the API server asked to slow down (429) on \(request.summary)\(said)", context: context)
        case 500..<600:
            return KubernetesError(.serverError, "the API server failed (\(status)) on \(request.summary)\(said)", context: context)
        default:
            return KubernetesError(.unexpectedStatus, "unexpected HTTP \(status) on \(request.summary)\(said)", context: context)
        }
    }

    /// The `message` of a `Status` body, if the body is one; at most 300 characters.
    static func statusMessage(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let message = object["message"] as? String, !message.isEmpty
        else { return nil }
        return String(message.prefix(300))
    }
}
