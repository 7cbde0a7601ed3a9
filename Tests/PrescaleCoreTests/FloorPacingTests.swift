import PrescaleCore
import Testing

@Suite("Floor pacing")
struct FloorPacingTests {
    @Test("once replicas are asked for, no more until they consume or a lead time has passed")
    func pacesUntilConsuming() {
        var pacing = FloorPacing()
        // 4 ready and consuming at capacity 10; the backlog asks for 8.
        #expect(pacing.pace(8, current: 4, consumption: 40, capacity: 10, time: 0, lead: 6) == 8)
        // A second later 8 are ready but the group is paused: the grown backlog's 12 are not asked for.
        #expect(pacing.pace(12, current: 8, consumption: 0, capacity: 10, time: 1, lead: 6) == 8)
        #expect(pacing.pace(15, current: 8, consumption: 20, capacity: 10, time: 3, lead: 6) == 8)
        // A smaller floor is always taken.
        #expect(pacing.pace(5, current: 8, consumption: 0, capacity: 10, time: 4, lead: 6) == 5)
        // The 8 consume at over half their capacity: the floor rises again.
        #expect(pacing.pace(14, current: 8, consumption: 60, capacity: 10, time: 5, lead: 6) == 14)
    }

    @Test("a lead time after asking, the floor is asked for even if nothing is consumed")
    func leadTimeEndsPacing() {
        var pacing = FloorPacing()
        #expect(pacing.pace(6, current: 2, consumption: 20, capacity: 10, time: 0, lead: 6) == 6)
        #expect(pacing.pace(9, current: 6, consumption: 0, capacity: 10, time: 5.5, lead: 6) == 6)
        #expect(pacing.pace(9, current: 6, consumption: 0, capacity: 10, time: 6, lead: 6) == 9)
    }

    @Test("without a capacity, any consumption counts; from zero replicas nothing is paced")
    func withoutCapacity() {
        var pacing = FloorPacing()
        #expect(pacing.pace(3, current: 0, consumption: 0, capacity: nil, time: 0, lead: 6) == 3)
        #expect(pacing.pace(5, current: 0, consumption: 0, capacity: nil, time: 1, lead: 6) == 5)
        #expect(pacing.pace(7, current: 5, consumption: 0, capacity: nil, time: 2, lead: 6) == 5)
        #expect(pacing.pace(7, current: 5, consumption: 0.5, capacity: nil, time: 3, lead: 6) == 7)
    }

    @Test("a floor at or below the replicas there are asks for nothing and paces nothing")
    func floorBelowReady() {
        var pacing = FloorPacing()
        #expect(pacing.pace(3, current: 5, consumption: 0, capacity: 10, time: 0, lead: 6) == 3)
        #expect(pacing.pace(9, current: 5, consumption: 0, capacity: 10, time: 1, lead: 6) == 9)
    }
}
