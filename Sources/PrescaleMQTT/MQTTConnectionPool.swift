import Logging
import PrescaleCore
import PrescaleServices
import ServiceLifecycle
import Synchronization

/// Owns every MQTT connection of the process: one per ``MQTTConnectionSettings`` (broker and
/// credentials), shared by the triggers that use it and closed when the last one leaves.
///
/// Connections run their network threads as child tasks of ``run()``; the pool is a lifecycle
/// `Service`.
public final class MQTTConnectionPool: Service, Sendable {
    private struct Entry {
        var connection: MQTTConnection
        var readers: Int
    }

    private let connections = Mutex<[MQTTConnectionSettings: Entry]>([:])
    private let connectionTasks = ChildTasks<MQTTConnection>()
    private let logger: Logger

    /// Creates an empty pool.
    public init(logger: Logger = Logger(label: "prescale.mqtt")) {
        self.logger = logger
    }

    /// Runs `body` with a subscription to `filter` on the connection for `settings`, counted in a
    /// `windowSeconds` window (and the `$SYS` statistics when `sys`), and leaves when `body` returns.
    public func withSubscription<Result: Sendable>(
        settings: MQTTConnectionSettings,
        filter: MQTTTopicFilter,
        qos: Int,
        windowSeconds: Int,
        sys: Bool,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (MQTTConnection, MQTTMessageCounter) async throws -> Result
    ) async throws -> Result {
        let connection = try self.join(settings)
        let counter = connection.addReader(filter: filter, qos: qos, windowSeconds: windowSeconds)
        if sys { connection.addSysReader() }
        defer {
            if sys { connection.removeSysReader() }
            connection.removeReader(filter: filter, windowSeconds: windowSeconds)
            self.leave(connection)
        }
        return try await body(connection, counter)
    }

    /// The live connections (for metrics and tests).
    public var liveConnections: [MQTTConnection] {
        self.connections.withLock { $0.values.map(\.connection) }
    }

    private func join(_ settings: MQTTConnectionSettings) throws(MQTTError) -> MQTTConnection {
        let result = self.connections.withLock { connections -> Result<(MQTTConnection, Bool), MQTTError> in
            if var entry = connections[settings] {
                entry.readers += 1
                connections[settings] = entry
                return .success((entry.connection, false))
            }
            do throws(MQTTError) {
                let connection = try MQTTConnection(settings: settings)
                connections[settings] = Entry(connection: connection, readers: 1)
                return .success((connection, true))
            } catch {
                return .failure(error)
            }
        }
        let (connection, created) = try result.get()
        if created {
            self.logger.info("connecting to MQTT broker", metadata: ["broker": "\(settings)", "client": "\(connection.clientID)"])
            self.connectionTasks.start(connection)
        }
        return connection
    }

    private func leave(_ connection: MQTTConnection) {
        let last = self.connections.withLock { connections -> Bool in
            guard var entry = connections[connection.settings], entry.connection === connection else { return false }
            entry.readers -= 1
            if entry.readers > 0 {
                connections[connection.settings] = entry
                return false
            }
            connections.removeValue(forKey: connection.settings)
            return true
        }
        if last {
            self.logger.info("closing MQTT connection", metadata: ["broker": "\(connection.settings)"])
            connection.stop()
        }
    }

    /// Runs every connection's network loop until cancelled or gracefully shut down.
    public func run() async throws {
        await self.connectionTasks.run(
            beforeCancelling: { for connection in self.liveConnections { connection.stop() } },
            each: { connection in await connection.run() }
        )
    }
}
