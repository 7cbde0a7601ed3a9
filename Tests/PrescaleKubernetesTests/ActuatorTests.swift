import Foundation
import PrescaleCore
import PrescaleTesting
import Testing

@testable import PrescaleKubernetes

/// The actuator with the real client against the fake API server.
@Suite("Actuator against a fake API server")
struct ActuatorTests {
    @Test("a decision above the current count is patched at once, to ceil(value / target)")
    func scaleUp() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(), api: client) { actuator, observer in
                actuator.submit(demand(480))
                try await eventually("patched to 10") { observer.snapshot.patched == [10] }
                #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 10)
                #expect(patches(api).count == 1)
                #expect(observer.snapshot.latencies.count == 1)
            }
        }
    }

    @Test("no patch when the desired count is not above the current one (scale-down is the HPA's)")
    func noScaleDown() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 10)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(), api: client) { actuator, observer in
                actuator.submit(demand(100))
                try await eventually("skipped") { observer.snapshot.skipped[.notAboveCurrent] == 1 }
                actuator.submit(demand(500))
                try await eventually("skipped again") { observer.snapshot.skipped[.notAboveCurrent] == 2 }
                #expect(patches(api).isEmpty)
                #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 10)
                #expect(observer.snapshot.desired == 10)
            }
        }
    }

    @Test("the count is clamped to [max(minReplicaCount, 1), maxReplicaCount]; inactive triggers never patch")
    func clamping() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", maxReplicas: 4, replicas: 1)
            api.addScaledObject(namespace: "shop", name: "floor", target: "floor-consumer", minReplicas: 3, replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(), api: client) { actuator, observer in
                actuator.submit(demand(10_000))
                try await eventually("capped at the maximum") { api.replicas(namespace: "shop", target: "orders-consumer") == 4 }
                let floor = ScaledObjectKey(namespace: "shop", name: "floor")
                actuator.submit(ActuationDemand(scaledObject: floor, trigger: "lag", value: 10, target: 50, isActive: false))
                try await eventually("inactive skipped") { observer.snapshot.skipped[.inactive] == 1 }
                actuator.submit(ActuationDemand(scaledObject: floor, trigger: "lag", value: 10, target: 50, isActive: true))
                try await eventually("raised to the minimum") { api.replicas(namespace: "shop", target: "floor-consumer") == 3 }
                #expect(patches(api).count == 2)
            }
        }
    }

    @Test("the largest demand of a ScaledObject's triggers wins, and the step cap limits one patch")
    func strongestAndStep() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(minimumPatchInterval: .zero, maximumStep: 2), api: client) { actuator, _ in
                // "lag" wants 2 replicas, "mqtt" 9. Each pass reads the count and adds at most 2. How many
                // passes a burst of decisions wakes depends on scheduling, so decisions keep coming (as each
                // sample brings one) until the strongest demand is met.
                actuator.submit(demand(100, trigger: "lag"))
                actuator.submit(demand(9, target: 1, trigger: "mqtt"))
                try await eventually("stepped to 9") {
                    if api.replicas(namespace: "shop", target: "orders-consumer") == 9 { return true }
                    actuator.submit(demand(100, trigger: "lag"))
                    return false
                }
                #expect(patches(api).map(\.body) == [3, 5, 7, 9].map { #"{"spec":{"replicas":\#($0)}}"# })
            }
        }
    }

    @Test("at most one patch per target per interval; the later decision waits instead of patching")
    func rateLimit() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(minimumPatchInterval: .seconds(3600), replicaCacheTime: .zero), api: client) {
                actuator, observer in
                actuator.submit(demand(100))
                try await eventually("first patch") { api.replicas(namespace: "shop", target: "orders-consumer") == 2 }
                actuator.submit(demand(400))
                try await eventually("rate limited") { observer.snapshot.skipped[.rateLimited] == 1 }
                #expect(patches(api).count == 1)
                #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 2)
            }
        }
    }

    @Test("dry run reads the cluster and counts what it would patch, and sends no patch")
    func dryRun() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(mode: .dryRun), api: client) { actuator, observer in
                actuator.submit(demand(480))
                try await eventually("would patch") { observer.snapshot.wouldPatch == [10] }
                #expect(patches(api).isEmpty)
                #expect(api.requests.allSatisfy { $0.method == "GET" })
                #expect(api.replicas(namespace: "shop", target: "orders-consumer") == 1)
            }
        }
    }

    @Test("403 is reported with its code, and the next decision is sent only after a pause; not the leader means no request at all")
    func forbiddenAndNotLeader() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            api.forbid(verb: "patch", resource: "deployments.apps/scale")
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            let pause = Duration.milliseconds(300)
            let configuration = Actuator.Configuration(retryBackoff: ReconnectBackoff(initial: pause, maximum: pause))
            try await withActuator(configuration, api: client) { actuator, observer in
                actuator.submit(demand(480))
                try await eventually("forbidden") { observer.snapshot.failed == [KubernetesError.Code.forbidden.description] }
                // RBAC fixed and a new decision at once: it waits out the pause, then goes through.
                api.permit(verb: "patch", resource: "deployments.apps/scale")
                actuator.submit(demand(490))
                try await eventually("patched after the pause") { api.replicas(namespace: "shop", target: "orders-consumer") == 10 }
                let sent = patches(api)
                #expect(sent.map(\.status) == [403, 200])
                // The server recorded the 403 before the worker saw it and began to pause.
                if sent.count == 2 { #expect(sent[1].at - sent[0].at >= pause) }
                #expect(observer.snapshot.failed == [KubernetesError.Code.forbidden.description])
            }
            struct Follower: ActuationLeadership { var isLeader: Bool { false } }
            // The leader's Event about its scale-up may still be on its way: count what a follower could
            // send for a decision, reads and patches of the target.
            func targetRequests() -> Int { api.requests.filter { !$0.path.hasSuffix("/events") }.count }
            let before = targetRequests()
            try await withActuator(.init(), api: client, leadership: Follower()) { actuator, observer in
                actuator.submit(demand(480))
                try await eventually("not leader") { observer.snapshot.skipped[.notLeader] == 1 }
                #expect(targetRequests() == before)
            }
        }
    }

    @Test("an API outage is retried until the API is back, with no new decision; 503 and 429 are retried too")
    func outageAndRecovery() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            // No replica cache: the second round must read the count the "HPA" set back to 1.
            try await withActuator(.init(replicaCacheTime: .zero), api: client) { actuator, observer in
                let port = api.port
                await api.stop()
                actuator.submit(demand(480))
                try await eventually("unreachable reported") {
                    observer.snapshot.failed.contains(KubernetesError.Code.unreachable.description)
                }
                try await api.start(port: port)
                // No new decision: the retry alone must get the patch through.
                try await eventually("patched after recovery") { api.replicas(namespace: "shop", target: "orders-consumer") == 10 }
                // The patch's Event comes right after it; let it land before failures are injected.
                try await eventually("the patch's event recorded") { api.events.count == 1 }
                api.failNext([503, 429])
                api.setReplicas(1, namespace: "shop", target: "orders-consumer")
                // Within the 1 s patch interval this decision waits for it, then meets the 503 and the 429.
                actuator.submit(demand(480))
                try await eventually("patched through 503 and 429") { api.replicas(namespace: "shop", target: "orders-consumer") == 10 }
                #expect(observer.snapshot.failed.contains(KubernetesError.Code.serverError.description))
                #expect(observer.snapshot.failed.contains(KubernetesError.Code.tooManyRequests.description))
            }
        }
    }
}

/// Direct scale-ups leave an Event on the target that says why.
@Suite("Scale-up Events")
struct ScaleUpEventTests {
    @Test("a patch leaves a PrescaleScaledUp Event on the target: from, to and the planner's reason")
    func eventOnPatch() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 2)
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(), api: client) { actuator, observer in
                var wanted = demand(400)
                let decision = PlannerDecision(
                    value: 400, target: 50, isActive: true, desiredReplicas: 8, reactiveValue: 400, sampleTime: 0)
                wanted.decision = decision
                #expect(!decision.reason.isEmpty)
                actuator.submit(wanted)
                try await eventually("event recorded") { !api.events.isEmpty }
                let event = try #require(api.events.first)
                #expect(event["reason"] as? String == "PrescaleScaledUp")
                #expect(event["type"] as? String == "Normal")
                #expect(event["message"] as? String == "Prescale scaled orders-consumer 2→8: \(decision.reason)")
                let involved = try #require(event["involvedObject"] as? [String: Any])
                #expect(involved["kind"] as? String == "Deployment" && involved["name"] as? String == "orders-consumer")
                #expect(involved["namespace"] as? String == "shop" && involved["apiVersion"] as? String == "apps/v1")
                #expect(observer.snapshot.patched == [8])
            }
        }
    }

    @Test("without RBAC for events the patch still happens; only the Event is missing")
    func eventForbidden() async throws {
        try await withFakeAPI { api in
            api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 1)
            api.forbid(verb: "create", resource: "events")
            let client = try makeClient(for: api)
            defer { Task { await client.shutdown() } }
            try await withActuator(.init(), api: client) { actuator, observer in
                actuator.submit(demand(480))
                try await eventually("patched") { observer.snapshot.patched == [10] }
                try await eventually("the event was attempted") {
                    api.requests.contains { $0.path.hasSuffix("/events") && $0.status == 403 }
                }
                #expect(api.events.isEmpty)
                #expect(observer.snapshot.failed.isEmpty)
            }
        }
    }
}
