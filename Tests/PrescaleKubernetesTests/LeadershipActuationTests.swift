import Foundation
import Logging
import PrescaleCore
import PrescaleTesting
import Synchronization
import Testing

@testable import PrescaleKubernetes

/// Leadership that the test switches, reporting each change the way ``LeaseElector`` does: after
/// `isLeader` has changed.
final class SwitchableLeadership: ActuationLeadership {
    private let leading = Atomic<Bool>(false)
    let changes: AsyncStream<Bool>
    private let continuation: AsyncStream<Bool>.Continuation

    init() {
        (self.changes, self.continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
    }

    var isLeader: Bool { self.leading.load(ordering: .acquiring) }

    func set(_ value: Bool) {
        self.leading.store(value, ordering: .releasing)
        self.continuation.yield(value)
    }
}

@Suite("No decision is lost around leadership")
struct LeadershipActuationTests {
    @Test("a decision made before this replica leads is acted on when it gains the lease, without a new decision")
    func decisionBeforeLeadership() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let leadership = SwitchableLeadership()
            try await withActuator(.init(), api: client, leadership: leadership) { actuator, observer in
                actuator.submit(demand(480))
                try await eventually("skipped as follower") { observer.snapshot.skipped[.notLeader] == 1 }
                #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 1)
                leadership.set(true)
                try await eventually("patched on gaining the lease") { observer.snapshot.patched == [10] }
                #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 10)
            }
        }
    }

    @Test("decisions that arrive while the lease is being acquired are never dropped", arguments: 0..<20)
    func decisionDuringAcquisition(_ round: Int) async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let leadership = SwitchableLeadership()
            try await withActuator(.init(), api: client, leadership: leadership) { actuator, observer in
                // The decision and the acquisition race; alternate which is scheduled first.
                await withTaskGroup(of: Void.self) { group in
                    if round.isMultiple(of: 2) {
                        group.addTask { actuator.submit(demand(480)) }
                        group.addTask { leadership.set(true) }
                    } else {
                        group.addTask { leadership.set(true) }
                        group.addTask { actuator.submit(demand(480)) }
                    }
                }
                try await eventually("patched") { api.replicas(namespace: "shop", target: "orders-consumer") == 10 }
            }
        }
    }

    @Test("a decision after the lease is held is acted on, and a lost lease stops patching")
    func decisionAfterLeadership() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let leadership = SwitchableLeadership()
            leadership.set(true)
            try await withActuator(.init(minimumPatchInterval: .zero), api: client, leadership: leadership) { actuator, observer in
                actuator.submit(demand(480))
                try await eventually("patched") { api.replicas(namespace: "shop", target: "orders-consumer") == 10 }
                leadership.set(false)
                actuator.submit(demand(980))
                try await eventually("skipped after losing the lease") { observer.snapshot.skipped[.notLeader] == 1 }
                #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 10)
            }
        }
    }

    @Test("with the real elector: a replica that takes over an expired lease acts on what it decided while following")
    func takeoverWithTheElector() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            var logger = Logger(label: "lease-test")
            logger.logLevel = .critical
            func elector(_ identity: String) -> LeaseElector {
                LeaseElector(
                    configuration: .init(
                        namespace: "prescale", identity: identity, leaseDuration: .seconds(1), renewDeadline: .seconds(1),
                        retryPeriod: .milliseconds(100)),
                    api: client,
                    logger: logger
                )
            }
            // Another replica holds the lease, then dies without releasing it.
            let other = elector("prescale-a")
            await other.attempt()
            #expect(other.isLeader)
            let mine = elector("prescale-b")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await mine.run() }
                defer { group.cancelAll() }
                try await withActuator(.init(), api: client, leadership: mine) { actuator, observer in
                    actuator.submit(demand(480))
                    try await eventually("skipped as follower") { (observer.snapshot.skipped[.notLeader] ?? 0) >= 1 }
                    #expect(!mine.isLeader)
                    try await eventually("took over the lease") { mine.isLeader }
                    try await eventually("patched after the takeover") { api.replicas(namespace: "shop", target: "orders-consumer") == 10 }
                }
            }
        }
    }
}
