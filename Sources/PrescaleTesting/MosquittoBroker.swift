import Foundation

/// A real `mosquitto` broker process on a free loopback port, for tests and benchmarks.
///
/// It runs with a temporary configuration (`sys_interval 1`, no persistence, optional password file)
/// and is stopped by PID. ``restart()`` brings it back on the same port.
///
/// ```swift
/// let broker = try MosquittoBroker.start()
/// defer { broker.stop() }
/// ```
public final class MosquittoBroker: @unchecked Sendable {
    /// The listening port on 127.0.0.1.
    public let port: Int
    /// The temporary directory holding the configuration and log.
    public let directory: URL
    private let lock = NSLock()
    private var process: ChildProcess?

    /// The `mqtt://` address (`mqtts://` for a TLS broker).
    public var address: String { "\(self.usesTLS ? "mqtts" : "mqtt")://127.0.0.1:\(self.port)" }
    /// Whether the listener speaks TLS.
    public let usesTLS: Bool

    /// The broker's PID while it runs.
    public var pid: Int32? {
        self.lock.withLock { self.process?.pid }
    }

    private init(port: Int, directory: URL, usesTLS: Bool) {
        self.port = port
        self.directory = directory
        self.usesTLS = usesTLS
    }

    /// Starts a broker and returns once it accepts connections. `users` maps usernames to passwords;
    /// with any, anonymous clients are refused. With `tls`, the listener speaks TLS only, with that
    /// server certificate. The wait runs off the cooperative pool.
    public static func start(
        users: [String: String] = [:],
        tls: TestCertificates? = nil,
        extraConfiguration: [String] = []
    ) async throws -> MosquittoBroker {
        try await offPool { try Self.startBlocking(users: users, tls: tls, extraConfiguration: extraConfiguration) }
    }

    private static func startBlocking(users: [String: String], tls: TestCertificates?, extraConfiguration: [String]) throws
        -> MosquittoBroker
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prescale-mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lines: [String] = []
        if let tls {
            lines += ["cafile \(tls.ca)", "certfile \(tls.serverCertificate)", "keyfile \(tls.serverKey)"]
        }
        lines += ["sys_interval 1", "persistence false", "log_dest stderr"]
        if users.isEmpty {
            lines.append("allow_anonymous true")
        } else {
            let passwords = directory.appendingPathComponent("passwords")
            FileManager.default.createFile(atPath: passwords.path, contents: nil)
            for (user, password) in users.sorted(by: { $0.key < $1.key }) {
                try ChildProcess.run("/usr/bin/mosquitto_passwd", ["-b", passwords.path, user, password])
            }
            lines += ["allow_anonymous false", "password_file \(passwords.path)"]
        }
        lines += extraConfiguration
        // The port was free when picked, but a test running in parallel can take it before mosquitto
        // binds it: then pick another.
        var attempt = 0
        while true {
            attempt += 1
            let port = try freePort()
            let configuration = (["listener \(port) 127.0.0.1"] + lines).joined(separator: "\n") + "\n"
            try configuration.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
            let broker = MosquittoBroker(port: port, directory: directory, usesTLS: tls != nil)
            do {
                try broker.launch()
                return broker
            } catch let error as BrokerError where attempt < 5 && error.message.contains("Address already in use") {
                broker.removesDirectory = false  // the next attempt reuses it
                continue
            }
        }
    }

    private func launch() throws {
        let log = self.directory.appendingPathComponent("mosquitto.log").path
        let process = try ChildProcess(Self.executable, ["-c", self.directory.appendingPathComponent("mosquitto.conf").path], logPath: log)
        self.lock.withLock { self.process = process }
        // Ready when it accepts a TCP connection.
        for _ in 0..<200 {
            if loopbackAccepts(port: self.port) { return }
            guard process.isRunning else { break }
            usleep(25_000)
        }
        process.signal(SIGKILL)
        process.wait()
        self.lock.withLock { self.process = nil }
        throw BrokerError(
            message: "mosquitto did not start on port \(self.port); log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// Stops the broker with SIGTERM (or SIGKILL when `kill`) and waits for it to exit.
    public func stop(kill: Bool = false) {
        let process = self.lock.withLock { () -> ChildProcess? in
            defer { self.process = nil }
            return self.process
        }
        guard let process else { return }
        process.signal(kill ? SIGKILL : SIGTERM)
        process.wait()
    }

    /// Starts the broker again on the same port after ``stop(kill:)``; the wait runs off the cooperative pool.
    public func restart() async throws {
        try await offPool { try self.restartBlocking() }
    }

    private func restartBlocking() throws {
        for _ in 0..<100 {
            do {
                try self.launch()
                return
            } catch  where !Self.portIsFree(self.port) {
                usleep(50_000)
            }
        }
        try self.launch()
    }

    /// Whether the temporary directory goes with this object (not for a discarded start attempt).
    private var removesDirectory = true

    deinit {
        self.stop()
        if self.removesDirectory { try? FileManager.default.removeItem(at: self.directory) }
    }

    /// Where the broker binary is (Debian installs it in /usr/sbin).
    public static var executable: String {
        ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "/usr/sbin/mosquitto"
    }

    /// Whether the `mosquitto` broker is installed.
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: executable)
    }
}

/// A broker that failed to start.
public struct BrokerError: Error, CustomStringConvertible {
    /// What happened.
    public var message: String
    public var description: String { self.message }
}
