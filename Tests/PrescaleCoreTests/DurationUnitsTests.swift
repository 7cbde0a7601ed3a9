import PrescaleCore
import Testing

@Suite("Duration units")
struct DurationUnitsTests {
    @Test("seconds as Double and whole nanoseconds, for whole, fractional and sub-nanosecond durations")
    func conversions() {
        #expect(Duration.seconds(600).inSeconds == 600)
        #expect(Duration.milliseconds(1_500).inSeconds == 1.5)
        #expect(Duration.seconds(600).inNanoseconds == 600_000_000_000)
        #expect(Duration.milliseconds(1_500).inNanoseconds == 1_500_000_000)
        // Below a nanosecond is truncated, never rounded up.
        #expect((Duration.nanoseconds(7) + .init(secondsComponent: 0, attosecondsComponent: 999_999_999)).inNanoseconds == 7)
        #expect(Duration.zero.inSeconds == 0 && Duration.zero.inNanoseconds == 0)
    }
}
