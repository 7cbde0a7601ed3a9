import Foundation
import Logging
import PrescaleTesting
import Synchronization
import Testing

@testable import PrescaleKubernetes

/// A clock the test advances: electors judge expiry on it, so a test need not sleep a lease duration.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    var now: ContinuousClock.Instant { self.start.advanced(by: self.offset.withLock { $0 }) }

    func advance(by duration: Duration) { self.offset.withLock { $0 += duration } }
}

@Suite("Leader election on a Lease, against the fake API server")
struct LeaseElectorTests {
    let clock = ManualClock()

    func elector(_ identity: String, client: KubernetesClient, duration: Duration = .seconds(1)) -> LeaseElector {
        var logger = Logger(label: "lease-test")
        logger.logLevel = .critical
        let clock = self.clock
        return LeaseElector(
            configuration: .init(
                namespace: "prescale", identity: identity, leaseDuration: duration, renewDeadline: duration, retryPeriod: .milliseconds(100)
            ),
            api: client,
            logger: logger,
            now: { clock.now }
        )
    }

    @Test("one holder; the other takes over only after the holder stops renewing for the lease duration")
    func handover() async throws {
        try await withFakeAPI { api in
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let a = self.elector("prescale-a", client: client)
            let b = self.elector("prescale-b", client: client)
            await a.attempt()
            await b.attempt()
            #expect(a.isLeader)
            #expect(!b.isLeader)
            #expect(api.leaseHolder(namespace: "prescale", name: "prescale-actuator") == "prescale-a")
            // A renews: B sees the record change and keeps waiting.
            await a.attempt()
            await b.attempt()
            #expect(!b.isLeader)
            // A stops (crashed): just short of the lease duration B still waits; once the record has not
            // changed for the lease duration, B takes over.
            self.clock.advance(by: .seconds(0.9))
            await b.attempt()
            #expect(!b.isLeader)
            self.clock.advance(by: .seconds(0.2))
            await b.attempt()
            #expect(b.isLeader)
            #expect(api.leaseHolder(namespace: "prescale", name: "prescale-actuator") == "prescale-b")
            // A comes back and sees it lost.
            await a.attempt()
            #expect(!a.isLeader)
        }
    }

    /// Runs `body` with electors "prescale-a" and "prescale-b" (hour-long leases) on the fake API server.
    func withTwoElectors(_ body: (FakeKubernetesAPI, LeaseElector, LeaseElector) async throws -> Void) async throws {
        try await withFakeAPI { api in
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await body(
                api,
                self.elector("prescale-a", client: client, duration: .seconds(3600)),
                self.elector("prescale-b", client: client, duration: .seconds(3600))
            )
        }
    }

    @Test("a write that loses the race gets the API server's 409: the loser stays a follower and the winner keeps the lease")
    func conflict() async throws {
        try await withTwoElectors { api, a, b in
            await a.attempt()
            #expect(a.isLeader)
            await a.release()
            // B reads the released lease; prescale-c writes it between B's read and B's write.
            api.interposeLeaseWrite(holder: "prescale-c")
            await b.attempt()
            #expect(!b.isLeader)
            #expect(api.requests.last?.status == 409)
            #expect(api.leaseHolder(namespace: "prescale", name: "prescale-actuator") == "prescale-c")
            // Next round B sees C's fresh record and keeps following; nothing overwrote C.
            await b.attempt()
            #expect(!b.isLeader)
            #expect(api.leaseHolder(namespace: "prescale", name: "prescale-actuator") == "prescale-c")
        }
    }

    @Test("a holder that shuts down releases the lease, and a successor takes it at once")
    func release() async throws {
        try await withTwoElectors { api, a, b in
            await a.attempt()
            await b.attempt()
            #expect(a.isLeader && !b.isLeader)
            await a.release()
            #expect(!a.isLeader)
            #expect(api.leaseHolder(namespace: "prescale", name: "prescale-actuator") == "")
            await b.attempt()
            #expect(b.isLeader)
        }
    }

    @Test("a holder that cannot reach the API stops actuating after its renew deadline")
    func renewDeadline() async throws {
        try await withFakeAPI { api in
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let a = self.elector("prescale-a", client: client)
            await a.attempt()
            #expect(a.isLeader)
            await api.stop()
            // Within the renew deadline a failed round keeps it acting; past it, it stops.
            self.clock.advance(by: .seconds(0.5))
            await a.attempt()
            #expect(a.isLeader)
            self.clock.advance(by: .seconds(0.7))
            await a.attempt()
            #expect(!a.isLeader)
        }
    }
}
