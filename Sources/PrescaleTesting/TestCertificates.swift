import Foundation

/// A throw-away certificate authority and a server certificate for 127.0.0.1 (and `localhost`), made
/// with the `openssl` command line, for TLS tests against a real broker.
public struct TestCertificates: Sendable {
    /// The CA certificate (PEM).
    public let ca: String
    /// The server certificate, signed by the CA (PEM).
    public let serverCertificate: String
    /// The server's private key (PEM).
    public let serverKey: String

    /// Makes the files in a new temporary directory readable by the broker's user.
    /// The `openssl` runs are waited for off the cooperative pool.
    public static func make() async throws -> TestCertificates {
        try await offPool { try Self.makeBlocking() }
    }

    private static func makeBlocking() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prescale-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let openssl = "/usr/bin/openssl"
        let ca = "\(directory)/ca.pem"
        let caKey = "\(directory)/ca.key"
        let cert = "\(directory)/server.pem"
        let key = "\(directory)/server.key"
        let request = "\(directory)/server.csr"
        let extensions = "\(directory)/server.ext"
        try ChildProcess.run(
            openssl,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "2",
                "-subj", "/CN=Prescale test CA",
            ])
        try ChildProcess.run(
            openssl,
            [
                "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=127.0.0.1",
            ])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        try ChildProcess.run(
            openssl,
            [
                "x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "2",
                "-extfile", extensions,
            ])
        for file in [ca, cert, key] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        }
        return TestCertificates(ca: ca, serverCertificate: cert, serverKey: key)
    }
}
