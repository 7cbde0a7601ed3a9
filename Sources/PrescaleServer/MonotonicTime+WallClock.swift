import Foundation
import PrescaleCore

extension MonotonicTime {
    /// Seconds since 1970 on the wall clock minus ``MonotonicTime/now()`` at the same instant: what turns
    /// a sample time into a time another process can read (learned state kept across restarts).
    static func wallClockOffset() -> Double {
        Date().timeIntervalSince1970 - MonotonicTime.now()
    }
}
