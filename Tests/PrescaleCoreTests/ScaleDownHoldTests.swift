import PrescaleCore
import Testing

@Suite("Scale-down hold")
struct ScaleDownHoldTests {
    @Test("a rise is reported at once; a value that lasted two samples is held until a minute after its bucket began")
    func holds() {
        var hold = ScaleDownHold()
        #expect(hold.apply(time: 0, value: 2) == 2)
        #expect(hold.apply(time: 15, value: 20) == 20)  // a rise is reported at once
        #expect(hold.apply(time: 16, value: 20) == 20)  // and, lasting two samples, held
        for second in 17..<75 {
            #expect(hold.apply(time: Double(second), value: 1) == 20, "t \(second)")
        }
        // 60 s after the bucket that held 20 began (15 s), it is no longer held.
        #expect(hold.apply(time: 75, value: 1) == 1)
    }

    @Test("a one-sample spike is reported but not held (the HPA, reading once per sync, would rarely see it)")
    func spikes() {
        var hold = ScaleDownHold()
        #expect(hold.apply(time: 0, value: 1) == 1)
        #expect(hold.apply(time: 7, value: 30) == 30)
        #expect(hold.apply(time: 8, value: 1) == 1)
        // Lasting two samples, the same value is held.
        #expect(hold.apply(time: 9, value: 30) == 30)
        #expect(hold.apply(time: 10, value: 30) == 30)
        #expect(hold.apply(time: 11, value: 1) == 30)
    }

    @Test("released, it reports what it is given")
    func release() {
        var hold = ScaleDownHold()
        _ = hold.apply(time: 0, value: 40)
        _ = hold.apply(time: 1, value: 40)
        #expect(hold.apply(time: 10, value: 0) == 40)
        hold.release()
        #expect(hold.apply(time: 11, value: 0) == 0)
        #expect(hold.apply(time: 12, value: 3) == 3)
    }

    @Test("with a 5 s HPA sync (the K3s of deploy/k3s) the buckets are 5 s: held 55-60 s; a rise is kept one 5 s sync")
    func fiveSecondSync() {
        var hold = ScaleDownHold(syncSeconds: 5)
        #expect(hold.apply(time: 0, value: 2) == 2)
        #expect(hold.apply(time: 12, value: 20) == 20)
        #expect(hold.apply(time: 13, value: 20) == 20)
        for second in 14..<70 {
            #expect(hold.apply(time: Double(second), value: 1) == 20, "t \(second)")
        }
        // The bucket that held 20 began at 10 s: gone at 70 s (with 15 s buckets, at 75 s).
        #expect(hold.apply(time: 70, value: 1) == 1)

        var direct = ScaleDownHold(seconds: ScaleDownHold.directSyncs * 5, syncSeconds: 5)
        #expect(direct.keepRise(time: 0, value: 8) == 8)
        #expect(direct.keepRise(time: 5, value: 2) == 8)  // through the last sample of the sync
        #expect(direct.keepRise(time: 6, value: 2) == 2)
    }

    @Test("the default scale-up bound steps once per HPA sync, whatever its period")
    func boundSteps() {
        for sync in [5.0, 15] {
            var bound = DefaultScaleUpBound(syncSeconds: sync)
            // KEDA's value asks for 100 replicas at target 1; the bound doubles (or adds 4) per sync.
            var steps: [Double] = []
            for second in 0..<Int(3 * sync) {
                let value = bound.observe(time: Double(second), reactiveValue: 100, target: 1, ready: nil)
                if steps.last != value { steps.append(value) }
            }
            #expect(steps == [5, 10, 20], "sync \(sync): \(steps)")
        }
    }

    @Test("a predicting trigger's lead time through the HPA is its sync period plus the cold start")
    func leadTime() {
        var spec = PredictionSpec(coldStartSeconds: 3)
        #expect(spec.leadTimeSeconds == 18)
        spec.hpaSyncPeriod = 5
        #expect(spec.leadTimeSeconds == 8)
        spec.direct = true
        #expect(spec.leadTimeSeconds == 4)
    }
}
