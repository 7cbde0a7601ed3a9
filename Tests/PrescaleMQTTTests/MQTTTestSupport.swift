import PrescaleCore
import PrescaleTesting

@testable import PrescaleMQTT

/// Runs `body` with a connection pool running.
func withPool<Result: Sendable>(_ body: @Sendable (MQTTConnectionPool) async throws -> Result) async throws -> Result {
    let pool = MQTTConnectionPool()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        defer { group.cancelAll() }
        return try await body(pool)
    }
}

/// Runs an MQTT trigger's source with `metadata` (plus `source: mqtt`) while `body` runs.
func withMQTTTrigger<Result: Sendable>(
    _ metadata: [String: String],
    pool: MQTTConnectionPool,
    tick: Duration = .milliseconds(100),
    _ body: @Sendable (RecordingSink) async throws -> Result
) async throws -> Result {
    var full = metadata
    full["source"] = "mqtt"
    full["queryValue"] = full["queryValue"] ?? "10"
    let spec = try MQTTTriggerSpec(metadata: MetadataReader(full))
    let source = MQTTSource(spec: spec, pool: pool, tick: tick)
    let sink = RecordingSink()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await source.run(into: sink) }
        defer { group.cancelAll() }
        return try await body(sink)
    }
}

extension RecordingSink {
    /// The newest sample's value, if the newest event is a sample.
    var value: Double? { self.latestSample?.reactiveValue }
}

/// Runs a mosquitto command-line client to completion.
func runClient(_ arguments: [String]) throws {
    try ChildProcess.run("/usr/bin/" + arguments[0], Array(arguments.dropFirst()))
}
