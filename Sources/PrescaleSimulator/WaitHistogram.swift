/// Message waits, weighted by message count, in 10 ms buckets up to two hours (beyond: the last bucket).
/// The simulator's and the demo's wait quantiles.
public struct WaitHistogram: Sendable {
    /// The width of a bucket, seconds.
    public static let resolution = 0.01
    private var buckets: [Double]
    /// Messages recorded.
    public private(set) var total: Double = 0

    /// An empty histogram of waits up to `maximumSeconds`.
    public init(maximumSeconds: Double = 7_200) {
        self.buckets = Array(repeating: 0, count: Int(maximumSeconds / Self.resolution) + 1)
    }

    /// Records `count` messages that waited `wait` seconds.
    public mutating func record(wait: Double, count: Double) {
        guard count > 0 else { return }
        let index = min(max(Int(wait / Self.resolution), 0), self.buckets.count - 1)
        self.buckets[index] += count
        self.total += count
    }

    /// The `q`-quantile of the wait (upper edge of its bucket).
    public func quantile(_ q: Double) -> Double {
        guard self.total > 0 else { return 0 }
        let rank = q * self.total
        var seen = 0.0
        for (index, count) in self.buckets.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return Double(index + 1) * Self.resolution }
        }
        return Double(self.buckets.count) * Self.resolution
    }

    /// The share of messages that waited longer than `seconds`.
    public func share(above seconds: Double) -> Double {
        guard self.total > 0 else { return 0 }
        let first = Int(seconds / Self.resolution)
        var above = 0.0
        for index in first..<self.buckets.count { above += self.buckets[index] }
        return above / self.total
    }
}
