import Foundation

/// A child process started with `posix_spawn`, for brokers and command-line clients in tests.
///
/// Foundation's `Process` is not used: on Linux the child inherits the spawning thread's signal mask,
/// and Swift's pool threads block SIGTERM, so a broker started from a test would ignore SIGTERM; and
/// `waitUntilExit` spins a run loop. Here the child gets an empty mask and default handlers, and
/// ``wait()`` is a plain `waitpid`. The child inherits only its standard streams.
public final class ChildProcess: @unchecked Sendable {
    /// The child's PID.
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `executable` with `arguments`, appending stdout and stderr to `logPath` (or /dev/null).
    public init(_ executable: String, _ arguments: [String], logPath: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let log = logPath ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else is inherited. NIO's sockets are not close-on-exec, so without this a broker or an
        // `openssl` started by one test keeps another test's listening socket open: that port stays taken
        // after its server stops, and connections to it hang in the child's backlog.
        guard let closeFrom = Self.addCloseFrom, closeFrom(&actions, 3) == 0 else {
            throw BrokerError(
                message: "cannot start \(executable): posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later) is needed")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else {
            throw BrokerError(message: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which the Glibc module does
    /// not export.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Sends `signal`.
    public func signal(_ signal: Int32) {
        guard self.exitStatus == nil else { return }
        kill(self.pid, signal)
    }

    /// Waits for the child to exit and returns its wait status (cached after the first call).
    @discardableResult
    public func wait() -> Int32 {
        self.lock.lock()
        defer { self.lock.unlock() }
        if let status = self.status { return status }
        var status: Int32 = 0
        while waitpid(self.pid, &status, 0) < 0 && errno == EINTR {}
        self.status = status
        return status
    }

    /// Whether the child is still running (reaps it if it has exited).
    public var isRunning: Bool {
        self.lock.lock()
        defer { self.lock.unlock() }
        if self.status != nil { return false }
        var status: Int32 = 0
        if waitpid(self.pid, &status, WNOHANG) == self.pid {
            self.status = status
            return false
        }
        return true
    }

    /// The wait status once the child has exited.
    public var exitStatus: Int32? {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.status
    }

    /// Runs `executable` to completion; throws unless it exits with 0.
    public static func run(_ executable: String, _ arguments: [String]) throws {
        let child = try ChildProcess(executable, arguments)
        let status = child.wait()
        guard status == 0 else {
            throw BrokerError(message: "\(executable) \(arguments.joined(separator: " ")) exited with status \(status)")
        }
    }
}
