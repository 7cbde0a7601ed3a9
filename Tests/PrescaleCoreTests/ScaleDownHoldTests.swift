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
}
