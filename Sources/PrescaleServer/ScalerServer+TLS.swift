import GRPCNIOTransportHTTP2
import Logging
import NIOCertificateReloading
import ServiceLifecycle

/// The gRPC listener's transport security: plaintext, TLS, or mutual TLS, with the certificate and key
/// re-read every `--tls-reload-interval` so that a rotated certificate (cert-manager) is served to new
/// connections without a restart; existing connections keep theirs.
struct ListenerSecurity {
    let transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity
    /// The reloader to run beside the server, when TLS is on.
    let reloader: TimedCertificateReloader?
    /// `plaintext`, `tls` or `mtls`, for the startup log.
    let mode: String

    /// - Throws: ``ConfigurationError`` naming the flag whose file cannot be read or parsed.
    static func make(
        _ configuration: ServerConfiguration, logger: Logger, reloadFailed: @escaping @Sendable () -> Void = {}
    ) throws(ConfigurationError) -> ListenerSecurity {
        guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else {
            return ListenerSecurity(transportSecurity: .plaintext, reloader: nil, mode: "plaintext")
        }
        let reloader: TimedCertificateReloader
        do {
            reloader = try TimedCertificateReloader.makeReloaderValidatingSources(
                configuration: .init(
                    refreshInterval: configuration.tlsReloadInterval,
                    certificateSource: .init(location: .file(path: certificate), format: .pem),
                    privateKeySource: .init(location: .file(path: key), format: .pem)
                ) { reloaderConfiguration in
                    reloaderConfiguration.onCertificateLoaded = { _ in
                        logger.notice("TLS certificate reloaded", metadata: ["certificate": "\(certificate)"])
                    }
                    reloaderConfiguration.onCertificateLoadFailed = { failure in
                        reloadFailed()
                        logger.warning(
                            "TLS certificate reload failed; still serving the previous one",
                            metadata: ["certificate": "\(certificate)", "error": "\(failure.error)"]
                        )
                    }
                }
            )
        } catch {
            throw ConfigurationError(
                origin: "--tls-cert/--tls-key",
                value: "\(certificate), \(key)",
                allowed: "a readable PEM certificate chain and its matching PEM private key (\(error))"
            )
        }
        do {
            if let clientCA = configuration.tlsClientCA {
                guard (try? String(contentsOfFile: clientCA, encoding: .utf8))?.contains("BEGIN CERTIFICATE") == true else {
                    throw ConfigurationError(origin: "--tls-client-ca", value: clientCA, allowed: "a readable PEM CA bundle")
                }
                let security = try HTTP2ServerTransport.Posix.TransportSecurity.mTLS(certificateReloader: reloader) { tls in
                    tls.trustRoots = .certificates([.file(path: clientCA, format: .pem)])
                    // Clients must present a certificate the CA signed; their host names are not checked.
                    tls.clientCertificateVerification = .noHostnameVerification
                }
                return ListenerSecurity(transportSecurity: security, reloader: reloader, mode: "mtls")
            }
            let security = try HTTP2ServerTransport.Posix.TransportSecurity.tls(certificateReloader: reloader)
            return ListenerSecurity(transportSecurity: security, reloader: reloader, mode: "tls")
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(origin: "--tls-cert", value: certificate, allowed: "a usable TLS certificate (\(error))")
        }
    }
}
