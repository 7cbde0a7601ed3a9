import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PrescaleProtocol

/// `prescale check`: calls a running Prescale as KEDA does, for the chart's `helm test` and for on-call.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call a running Prescale as KEDA does (GetMetricSpec, GetMetrics, IsActive) and exit 0 if it answers.",
        discussion: """
            Registers a `static` trigger (value 1, target 1) under the ScaledObject --name in --namespace and \
            checks each answer: one metric spec with target 1, the value 1, active. Prints one line per call; \
            on a failed call prints its gRPC status and exits 1. With --tls-ca the connection uses TLS, \
            verified against that CA (and the host name of --address, or --tls-server-name); with \
            --tls-cert and --tls-key it presents that client certificate (Prescale's --tls-client-ca).
            """
    )

    @Option(help: "Where Prescale's gRPC port is: host:port.")
    var address: String
    @Option(help: "The ScaledObject name the check's trigger is registered under.")
    var name: String = "prescale-check"
    @Option(help: "…and its namespace.")
    var namespace: String = "prescale-check"
    @Option(help: "Seconds each call may take, 1 to 300.")
    var timeout: Int = 10
    @Option(help: "PEM CA bundle that signed the server's certificate: use TLS.")
    var tlsCA: String?
    @Option(help: "PEM client certificate chain to present (with --tls-key).")
    var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?
    @Option(help: "Host name the server's certificate must carry; default: the host of --address.")
    var tlsServerName: String?

    func validate() throws {
        _ = try self.target()
        guard (1...300).contains(self.timeout) else {
            throw ValidationError("--timeout: \(self.timeout) is not allowed; allowed: 1 to 300 seconds")
        }
        guard (self.tlsCert == nil) == (self.tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key: give both or neither")
        }
        guard self.tlsCert == nil || self.tlsCA != nil else {
            throw ValidationError("--tls-cert: needs --tls-ca (a client certificate is only presented over TLS)")
        }
        for (flag, path) in [("--tls-ca", self.tlsCA), ("--tls-cert", self.tlsCert), ("--tls-key", self.tlsKey)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw ValidationError("\(flag): \"\(path)\" is not a readable file")
            }
        }
    }

    /// --address as a host and a port.
    func target() throws -> (host: String, port: Int) {
        guard let colon = self.address.lastIndex(of: ":"), colon != self.address.startIndex,
            let port = Int(self.address[self.address.index(after: colon)...]), (1...65535).contains(port)
        else {
            throw ValidationError("--address: \"\(self.address)\" is not allowed; allowed: host:port with a port from 1 to 65535")
        }
        return (String(self.address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    func security(host: String) -> HTTP2ClientTransport.Posix.TransportSecurity {
        guard let ca = self.tlsCA else { return .plaintext }
        let configure: (inout HTTP2ClientTransport.Posix.TransportSecurity.TLS) -> Void = { config in
            config.trustRoots = .certificates([.file(path: ca, format: .pem)])
            config.serverCertificateVerification = .fullVerification
        }
        guard let cert = self.tlsCert, let key = self.tlsKey else { return .tls(configure: configure) }
        return .mTLS(certificateChain: [.file(path: cert, format: .pem)], privateKey: .file(path: key, format: .pem), configure: configure)
    }

    func run() async throws {
        let (host, port) = try self.target()
        var transportConfig = HTTP2ClientTransport.Posix.Config.defaults
        transportConfig.http2.authority = self.tlsServerName ?? host
        let transport = try HTTP2ClientTransport.Posix(
            target: .dns(host: host, port: port), transportSecurity: self.security(host: host), config: transportConfig)
        let failure = try await withGRPCClient(transport: transport) { client -> String? in
            let scaler = Externalscaler_ExternalScaler.Client(wrapping: client)
            var options = CallOptions.defaults
            options.timeout = .seconds(self.timeout)
            var ref = Externalscaler_ScaledObjectRef()
            ref.name = self.name
            ref.namespace = self.namespace
            ref.scalerMetadata = ["source": "static", "value": "1", "target": "1"]
            do {
                let specs = try await scaler.getMetricSpec(ref, options: options).metricSpecs
                guard specs.count == 1, specs[0].targetSizeFloat == 1 else { return "GetMetricSpec: unexpected answer \(specs)" }
                print("GetMetricSpec: \(specs[0].metricName) target \(specs[0].targetSizeFloat)")
                var request = Externalscaler_GetMetricsRequest()
                request.scaledObjectRef = ref
                request.metricName = specs[0].metricName
                let values = try await scaler.getMetrics(request, options: options).metricValues
                guard values.count == 1, values[0].metricValueFloat == 1 else { return "GetMetrics: unexpected answer \(values)" }
                print("GetMetrics: \(values[0].metricName) = \(values[0].metricValueFloat)")
                let active = try await scaler.isActive(ref, options: options).result
                guard active else { return "IsActive: false for a static value of 1" }
                print("IsActive: \(active)")
                return nil
            } catch let error as RPCError {
                return "\(error.code): \(error.message)"
            }
        }
        if let failure {
            FileHandle.standardError.write(Data("prescale check: \(self.address): \(failure)\n".utf8))
            throw ExitCode(1)
        }
        print("prescale check: \(self.address) answers as KEDA expects")
    }
}
