import Testing

@testable import PrescaleCore

@Suite("Forecasters on exact sequences")
struct ForecasterTests {
    func forecasts(_ rates: [Double], steps: Int = 5) -> [ForecastModel: Double] {
        var bank = ForecasterBank()
        for rate in rates { bank.observe(rate) }
        var out = (0.0, 0.0, 0.0, 0.0)
        bank.forecast(steps: steps, into: &out)
        return [.naive: out.0, .ewmaSlow: out.1, .ewmaFast: out.2, .dampedHolt: out.3]
    }

    @Test("a constant rate is forecast exactly by every model")
    func constant() {
        for (model, value) in self.forecasts(Array(repeating: 40, count: 50)) {
            #expect(abs(value - 40) < 1e-9, "\(model)")
        }
    }

    @Test("a step: naive jumps at once, EWMAs follow by their α")
    func step() {
        let result = self.forecasts(Array(repeating: 0, count: 10) + [100])
        #expect(result[.naive] == 100)
        #expect(abs(result[.ewmaSlow]! - 10) < 1e-9)
        #expect(abs(result[.ewmaFast]! - 30) < 1e-9)
        // Holt: level 0.3 × 100 = 30, trend 0.1 × 30 = 3, damping 0.9, averaged over 5 steps ahead:
        // (0.9 + 1.71 + 2.439 + 3.0951 + 3.68559) / 5 = 2.365938, so 30 + 3 × 2.365938.
        #expect(abs(result[.dampedHolt]! - 37.097814) < 1e-9)
    }

    @Test("a ramp: damped Holt is ahead of the EWMAs, which lag behind it")
    func ramp() {
        let ramp = (0..<60).map { Double($0) * 2 }  // last rate 118, rising 2 per sample
        let result = self.forecasts(ramp, steps: 10)
        #expect(result[.naive] == 118)
        // A steady ramp: EWMA(α) lags by slope × (1 − α) / α.
        let fastLag: Double = 2 * 0.7 / 0.3
        let slowLag: Double = 2 * 0.9 / 0.1
        let fast = result[.ewmaFast]!
        let slow = result[.ewmaSlow]!
        #expect(abs(fast - (118 - fastLag)) < 0.01)
        #expect(abs(slow - (118 - slowLag)) < 0.5)
        #expect(result[.dampedHolt]! > 118)
    }

    @Test("the damped trend factor has its closed form")
    func trendFactor() {
        // h = 1: φ; h = 2: (φ + (φ + φ²)) / 2.
        #expect(abs(ForecasterBank.trendFactor(steps: 1) - 0.9) < 1e-12)
        #expect(abs(ForecasterBank.trendFactor(steps: 2) - (0.9 + 0.9 + 0.81) / 2) < 1e-12)
    }

    @Test("forecasts are never negative")
    func nonNegative() {
        let result = self.forecasts([100, 50, 10, 0, 0], steps: 20)
        for (model, value) in result { #expect(value >= 0, "\(model)") }
    }

    @Test("the ring keeps the newest values and their exact quantile")
    func ring() {
        var ring = FixedRing(capacity: 4)
        for value in [5.0, 1, 4, 2, 3] { ring.push(value) }
        #expect(ring.count == 4 && ring.sum == 10)
        #expect(ring.value(ago: 0) == 3 && ring.value(ago: 3) == 1 && ring.value(ago: 4) == nil)
        var scratch: [Double] = []
        #expect(ring.quantile(0.5, scratch: &scratch) == 2)
        #expect(ring.quantile(0.9, scratch: &scratch) == 4)
    }
}
