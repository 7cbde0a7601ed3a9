#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small seeded generator (SplitMix64), so that every simulation is reproducible from `--seed`.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in (0, 1].
    /// A whole number drawn uniformly from `range`.
    mutating func uniform(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(self.next() % UInt64(range.count))
    }

    mutating func unit() -> Double {
        (Double(self.next() >> 11) + 1) / 9_007_199_254_740_992
    }

    /// A Poisson-distributed count with mean `mean` (Knuth for small means, a normal approximation
    /// above 60).
    public mutating func poisson(_ mean: Double) -> Double {
        guard mean > 0 else { return 0 }
        if mean > 60 {
            // Box-Muller.
            let u1 = self.unit()
            let u2 = self.unit()
            let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return max(0, (mean + normal * mean.squareRoot()).rounded())
        }
        let limit = exp(-mean)
        var product = self.unit()
        var count = 0.0
        while product > limit {
            count += 1
            product *= self.unit()
        }
        return count
    }
}
