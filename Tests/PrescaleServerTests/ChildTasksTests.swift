import Logging
import PrescaleServices
import PrescaleTesting
import ServiceLifecycle
import Synchronization
import Testing

@Suite("ChildTasks")
struct ChildTasksTests {
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func add(_ entry: String) { self.entries.withLock { $0.append(entry) } }
        var all: [String] { self.entries.withLock { $0 } }
    }

    /// Runs `tasks` with a logging body that parks each child until it is cancelled.
    static func run(_ tasks: ChildTasks<Int>, log: Log) async {
        await tasks.run(
            alongside: {
                log.add("alongside")
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                log.add("alongside ended")
            },
            beforeCancelling: { log.add("before cancelling") },
            each: { item in
                log.add("started \(item)")
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                log.add("ended \(item)")
            }
        )
        log.add("returned")
    }

    struct Runner: Service {
        let tasks: ChildTasks<Int>
        let log: Log
        func run() async throws { await ChildTasksTests.run(self.tasks, log: self.log) }
    }

    static let everything: Set<String> = [
        "started 1", "started 2", "started 3", "alongside", "before cancelling",
        "ended 1", "ended 2", "ended 3", "alongside ended", "returned",
    ]

    @Test("items started before and while it runs each get a child task; cancellation ends them all")
    func cancellation() async throws {
        let tasks = ChildTasks<Int>()
        let log = Log()
        tasks.start(1)
        tasks.start(2)
        let running = Task { await Self.run(tasks, log: log) }
        try await eventually("two children and the alongside loop") { Set(log.all) == ["started 1", "started 2", "alongside"] }
        tasks.start(3)
        try await eventually("a third child") { log.all.contains("started 3") }
        running.cancel()
        await running.value
        #expect(Set(log.all) == Self.everything)
        #expect(log.all.last == "returned")
    }

    @Test("on graceful shutdown no new child starts, beforeCancelling runs while every child still runs, then all end")
    func gracefulShutdown() async throws {
        let tasks = ChildTasks<Int>()
        let log = Log()
        var logger = Logger(label: "child-tasks-test")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [Runner(tasks: tasks, log: log)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { running in
            running.addTask { try await group.run() }
            tasks.start(1)
            tasks.start(2)
            tasks.start(3)
            try await eventually("three children") { Set(log.all).isSuperset(of: ["started 1", "started 2", "started 3"]) }
            await group.triggerGracefulShutdown()
            try await running.waitForAll()
        }
        let entries = log.all
        #expect(Set(entries) == Self.everything)
        let before = try #require(entries.firstIndex(of: "before cancelling"))
        #expect(entries.indices.filter { entries[$0].hasPrefix("ended") }.allSatisfy { $0 > before })
        #expect(entries.last == "returned")
    }
}
