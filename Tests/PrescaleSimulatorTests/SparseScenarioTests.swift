import Testing

@testable import PrescaleSimulator

@Suite("Sparse scenario")
struct SparseScenarioTests {
    /// The bursts of a series: (first second, messages, seconds long), and the silences between them.
    static func bursts(_ counts: [Double]) -> (bursts: [(start: Int, messages: Double, length: Int)], silences: [Int]) {
        var bursts: [(start: Int, messages: Double, length: Int)] = []
        var silences: [Int] = []
        var silence = 0
        for (second, count) in counts.enumerated() {
            if count == 0 {
                silence += 1
                continue
            }
            if let last = bursts.last, last.start + last.length == second {
                bursts[bursts.count - 1].messages += count
                bursts[bursts.count - 1].length += 1
            } else {
                silences.append(silence)
                bursts.append((second, count, 1))
            }
            silence = 0
        }
        return (bursts, silences)
    }

    @Test("a day of sparse load: bursts of 1 to 50 messages at 10/s, 1 to 30 minutes apart")
    func shape() throws {
        var random = SimulationRandom(seed: 1)
        let series = SyntheticScenario.sparse.series(
            seconds: SyntheticScenario.sparse.defaultSeconds, scale: 1, random: &random)
        #expect(series.perSecond.count == 86_400)
        #expect(series.name == "scenario sparse")
        let (bursts, silences) = Self.bursts(series.perSecond)
        // About a day over a mean cycle of ~15.5 minutes.
        #expect((60...130).contains(bursts.count), "\(bursts.count) bursts")
        for burst in bursts.dropLast() {
            #expect((1...50).contains(Int(burst.messages)), "burst at \(burst.start): \(burst.messages) messages")
            #expect(burst.length == Int((burst.messages / 10).rounded(.up)), "burst at \(burst.start) lasts \(burst.length) s")
        }
        #expect(series.perSecond.allSatisfy { $0 <= 10 })
        #expect(silences.allSatisfy { (60...1_800).contains($0) }, "\(silences.filter { !(60...1_800).contains($0) })")
        // Spread over the range, not bunched at one end.
        #expect(silences.min()! < 400 && silences.max()! > 1_400)
        #expect(Set(bursts.map { Int($0.messages) }).count > 20)
    }

    @Test("the same seed gives the same series; another seed another one")
    func seeded() {
        var first = SimulationRandom(seed: 3)
        var again = SimulationRandom(seed: 3)
        var other = SimulationRandom(seed: 4)
        let a = SyntheticScenario.sparse.series(seconds: 20_000, scale: 2, random: &first)
        #expect(a == SyntheticScenario.sparse.series(seconds: 20_000, scale: 2, random: &again))
        #expect(a != SyntheticScenario.sparse.series(seconds: 20_000, scale: 2, random: &other))
        // --scale multiplies each burst's size.
        #expect(Self.bursts(a.perSecond).bursts.dropLast().allSatisfy { (2...100).contains(Int($0.messages)) })
    }
}
