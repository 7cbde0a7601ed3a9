import PrescaleCore
import Testing

@Suite("HPA model")
struct HPAModelTests {
    static func model(maximum: Int = 100) -> HPAModel {
        HPAModel(
            syncSeconds: 15, tolerance: 0.1, behavior: HPABehavior(scaleUpPods: 4, scaleUpPercent: 100, scaleDownStabilizationSeconds: 300),
            maximum: maximum)
    }

    @Test("syncs every 15 s, respects the tolerance, grows by max(4 pods, 100%), stabilises scale-down")
    func hpa() {
        var hpa = Self.model()
        #expect(hpa.sync(now: 0, current: 1, value: 100, target: 1) == 5)  // min(100, max(1 × 2, 1 + 4))
        #expect(hpa.sync(now: 5, current: 5, value: 100, target: 1) == nil)  // not a sync
        #expect(hpa.sync(now: 15, current: 5, value: 100, target: 1) == 10)  // max(10, 9)
        #expect(hpa.sync(now: 30, current: 10, value: 10.5, target: 1) == 10)  // within 10%
        #expect(hpa.sync(now: 45, current: 10, value: 2, target: 1) == 10)  // held by the 300 s window
        #expect(hpa.sync(now: 400, current: 10, value: 2, target: 1) == 2)  // the window has passed
    }

    @Test("a count someone else set between syncs is the current count; scale-up stops at maxReplicaCount; at zero KEDA owns the target")
    func externalCountsAndBounds() {
        var hpa = Self.model()
        #expect(hpa.sync(now: 0, current: 2, value: 20, target: 1) == 6)  // 2 + 4
        // Direct actuation raised it to 20 between syncs: the HPA keeps it while the value asks for as much.
        #expect(hpa.sync(now: 15, current: 20, value: 20, target: 1) == 20)
        // ...and when the value falls, the stabilisation window holds the highest recommendation (20).
        #expect(hpa.sync(now: 30, current: 20, value: 3, target: 1) == 20)
        // A value asking for more than maxReplicaCount from a lower count stops at it.
        var bounded = Self.model(maximum: 12)
        #expect(bounded.sync(now: 0, current: 10, value: 500, target: 1) == 12)
        // At zero replicas the HPA does nothing (KEDA activates the target), and forgets its window.
        var idle = Self.model()
        #expect(idle.sync(now: 0, current: 0, value: 50, target: 1) == nil)
    }
}
