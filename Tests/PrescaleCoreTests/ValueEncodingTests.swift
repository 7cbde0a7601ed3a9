import PrescaleCore
import Testing

@Suite("Values, names and the reactive planner")
struct ValueEncodingTests {
    @Test("values are encoded in both fields, rounded up in the int field")
    func encoding() {
        #expect(KEDAValue(2.5)?.float == 2.5)
        #expect(KEDAValue(2.01)?.integer == 3)
        #expect(KEDAValue(2)?.integer == 2)
        #expect(KEDAValue(2.5)?.integer == 3)
        #expect(KEDAValue(0)?.integer == 0)
        #expect(KEDAValue(7)?.integer == 7)
    }

    @Test("negative and infinite values never reach the wire; NaN has no encoding")
    func sanitizing() {
        #expect(KEDAValue(-4)?.float == 0)
        #expect(KEDAValue(.infinity)?.float == KEDAValue.maximum)
        #expect(KEDAValue(-.infinity)?.float == 0)
        #expect(KEDAValue(.nan) == nil)
        #expect(KEDAValue(1e300)?.integer == Int64(KEDAValue.maximum))
    }

    @Test(
        "metric names are lower case [a-z0-9-]",
        arguments: [
            ("Orders.EU_1", "orders-eu-1"), ("static", "static"), ("--a--b--", "a-b"), ("ÄÖ topic", "topic"),
        ])
    func sanitizedNames(_ raw: String, _ expected: String) {
        #expect(MetricName.sanitized(raw) == expected)
    }

    @Test("GetMetrics accepts the name with or without KEDA's s<index>- prefix")
    func nameMatching() {
        #expect(MetricName.matches(requested: "static", name: "static"))
        #expect(MetricName.matches(requested: "s0-static", name: "static"))
        #expect(MetricName.matches(requested: "s12-static", name: "static"))
        #expect(!MetricName.matches(requested: "sx-static", name: "static"))
        #expect(!MetricName.matches(requested: "s-static", name: "static"))
        #expect(!MetricName.matches(requested: "other", name: "static"))
    }

    @Test("the reactive planner is active strictly above the threshold")
    func activation() {
        var planner = ReactivePlanner(target: 10, activationThreshold: 5)
        #expect(!planner.decide(MetricSample(time: 0, reactiveValue: 5)).isActive)
        #expect(planner.decide(MetricSample(time: 1, reactiveValue: 5.5)).isActive)
    }

    @Test("desired replicas are ceil(value / target)")
    func desired() {
        let planner = ReactivePlanner(target: 10, activationThreshold: 0)
        #expect(planner.kedaDecision(MetricSample(time: 0, reactiveValue: 25)).desiredReplicas == 3)
        #expect(planner.kedaDecision(MetricSample(time: 0, reactiveValue: 30)).desiredReplicas == 3)
        #expect(planner.kedaDecision(MetricSample(time: 0, reactiveValue: 0)).desiredReplicas == 0)
        #expect(PlannerDecision.replicas(value: 1e300, target: 1) == Int(Int32.max))
    }

    @Test("activity uses the activity value, reporting uses the reactive value")
    func activityValue() {
        var planner = ReactivePlanner(target: 1, activationThreshold: 1)
        let decision = planner.decide(MetricSample(time: 0, reactiveValue: 0, activityValue: 2))
        #expect(decision.isActive)
        #expect(decision.value == 0)
    }
}
