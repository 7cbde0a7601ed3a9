/// Counts messages over a sliding window of whole seconds, in O(1) time and O(window) memory.
///
/// The window keeps one bucket per second plus the one before the window. The count at time `t` is
/// the buckets of the last `windowSeconds` seconds plus the part of the older bucket that still
/// overlaps the window, so under a steady rate the count is steady instead of dropping to zero at
/// every second boundary (the usual sliding-window-counter estimate; exact at whole seconds).
public struct MessageRateWindow: Sendable {
    /// The window length in seconds.
    public let windowSeconds: Int
    /// Messages recorded since the window was created.
    public private(set) var total: UInt64 = 0

    private var buckets: [UInt64]
    /// The second of the newest bucket.
    private var newestSecond: Int64
    /// Sum of the newest `windowSeconds` buckets (excluding the one before the window).
    private var recentSum: UInt64 = 0

    /// Creates an empty window of `windowSeconds` (at least 1) starting at `time`.
    public init(windowSeconds: Int, at time: Double) {
        self.windowSeconds = max(windowSeconds, 1)
        self.buckets = Array(repeating: 0, count: self.windowSeconds + 1)
        self.newestSecond = Self.second(time)
    }

    /// Records `count` messages that arrived at `time` (times may repeat; older times count as now).
    public mutating func record(_ count: UInt64 = 1, at time: Double) {
        self.advance(to: Self.second(time))
        self.buckets[self.slot(self.newestSecond)] &+= count
        self.recentSum &+= count
        self.total &+= count
    }

    /// Messages in the `windowSeconds` before `time`, interpolating the bucket at the window's edge.
    public mutating func count(at time: Double) -> Double {
        let second = Self.second(time)
        self.advance(to: second)
        let elapsedInSecond = min(max(time - Double(second), 0), 1)
        let older = self.buckets[self.slot(self.newestSecond - Int64(self.windowSeconds))]
        return Double(self.recentSum) + Double(older) * (1 - elapsedInSecond)
    }

    /// Messages per second over the window at `time`.
    public mutating func rate(at time: Double) -> Double {
        self.count(at: time) / Double(self.windowSeconds)
    }

    /// Moves the newest bucket forward to `second`, emptying the buckets that fall out.
    private mutating func advance(to second: Int64) {
        guard second > self.newestSecond else { return }
        let steps = second - self.newestSecond
        if steps > Int64(self.buckets.count) {
            for index in self.buckets.indices { self.buckets[index] = 0 }
            self.recentSum = 0
            self.newestSecond = second
            return
        }
        for _ in 0..<steps {
            self.newestSecond += 1
            // The bucket leaving the window's recent part becomes the "older" edge bucket.
            let leaving = self.buckets[self.slot(self.newestSecond - Int64(self.windowSeconds))]
            self.recentSum &-= leaving
            // The slot reused for the new second held the bucket that is now fully out.
            self.buckets[self.slot(self.newestSecond)] = 0
        }
    }

    private func slot(_ second: Int64) -> Int {
        let count = Int64(self.buckets.count)
        return Int(((second % count) + count) % count)
    }

    private static func second(_ time: Double) -> Int64 {
        Int64(time.rounded(.down))
    }
}
