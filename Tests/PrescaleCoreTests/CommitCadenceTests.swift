import PrescaleCore
import Testing

/// One consumer group's partition, read once a second: messages arrive at `arrival` per second, the
/// consumer consumes them at once, and commits every `commitEvery` seconds (0: as it consumes).
struct CadencePartition {
    var end = 0.0
    var consumed = 0.0
    var committed = 0.0
    var lag: Double { self.end - self.committed }

    mutating func second(_ t: Int, arrival: Double, consuming: Bool = true, commitEvery: Int) {
        self.end += arrival
        if consuming { self.consumed = self.end }
        if commitEvery == 0 || t % commitEvery == 0 { self.committed = self.consumed }
    }
}

@Suite("Commit cadence")
struct CommitCadenceTests {
    static func read(_ cadence: inout CommitCadence<Int>, _ t: Int, _ partition: CadencePartition) -> Double {
        cadence.update(time: Double(t), reads: [(key: 0, committed: partition.committed, lag: partition.lag)])
    }

    /// 40 s of 20 messages a second, consumed at once and committed every 5 s.
    static func committingEveryFiveSeconds() -> (CommitCadence<Int>, CadencePartition) {
        var cadence = CommitCadence<Int>()
        var partition = CadencePartition()
        for t in 1...40 {
            partition.second(t, arrival: 20, commitEvery: 5)
            _ = Self.read(&cadence, t, partition)
        }
        return (cadence, partition)
    }

    @Test("committed as consumed: the estimate is exactly 0 and no interval is learned")
    func commitAsConsumed() {
        var cadence = CommitCadence<Int>()
        var partition = CadencePartition()
        for t in 1...120 {
            // Bursty: busy 10 s, idle 10 s.
            partition.second(t, arrival: (t / 10) % 2 == 0 ? 40 : 0, commitEvery: 0)
            #expect(Self.read(&cadence, t, partition) == 0)
        }
        #expect(cadence.interval(of: 0) == nil)
    }

    @Test("committed every 5 s: after three agreeing gaps the estimate is what was consumed since the last commit")
    func periodic() throws {
        var cadence = CommitCadence<Int>()
        var partition = CadencePartition()
        var estimates: [Double] = []
        for t in 1...60 {
            partition.second(t, arrival: 20, commitEvery: 5)
            estimates.append(Self.read(&cadence, t, partition))
        }
        #expect(cadence.interval(of: 0) == 5)
        // First read at 1, commits at 5, 10, 15 (gaps 4, 5, 5, within a sample of each other): the cadence is
        // known from 15 on; before it, the whole lag counts.
        #expect(estimates.prefix(15).allSatisfy { $0 == 0 })
        for t in 16...60 {
            // Consumed at once, so everything uncommitted is consumed: the backlog left is 0.
            #expect(abs(estimates[t - 1] - partition.lagAt(t, arrival: 20, commitEvery: 5)) < 1e-9, "t=\(t)")
        }
    }

    @Test("a consumer that stops: once the commit is overdue (1.5 intervals) the whole lag counts again")
    func stuck() {
        var (cadence, partition) = Self.committingEveryFiveSeconds()
        // Last commit at 40; the consumer stops. Up to 7.5 s later the estimate is the rate learned;
        // afterwards nothing is taken off.
        var stopped = partition
        for t in 41...60 {
            stopped.second(t, arrival: 20, consuming: false, commitEvery: 5)
            let estimate = Self.read(&cadence, t, stopped)
            if t - 40 <= 7 {
                #expect(estimate == min(20 * Double(t - 40), stopped.lag))
            } else {
                #expect(estimate == 0, "t=\(t)")
            }
        }
    }

    @Test("one long wait for a replica between idle stretches is not a cadence")
    func coldStartWaits() {
        var cadence = CommitCadence<Int>()
        var partition = CadencePartition()
        for t in 1...300 {
            // Every 30 s a burst of 10 messages a second for 8 s; each waits 3 s for a replica, which then
            // consumes and commits as it goes.
            let phase = t % 30
            partition.second(t, arrival: phase < 8 ? 10 : 0, consuming: phase >= 3, commitEvery: 0)
            #expect(Self.read(&cadence, t, partition) == 0, "t=\(t)")
        }
        #expect(cadence.interval(of: 0) == nil)
    }

    @Test("partitions are tracked apart: consumers committing at different moments each get their own sawtooth")
    func staggered() {
        var cadence = CommitCadence<Int>()
        var partitions = [CadencePartition(), CadencePartition()]
        var last = 0.0
        for t in 1...60 {
            partitions[0].second(t, arrival: 10, commitEvery: 5)
            partitions[1].second(t + 2, arrival: 30, commitEvery: 5)
            last = cadence.update(
                time: Double(t),
                reads: partitions.enumerated().map { (key: $0.offset, committed: $0.element.committed, lag: $0.element.lag) })
        }
        #expect(cadence.interval(of: 0) == 5 && cadence.interval(of: 1) == 5)
        #expect(abs(last - (partitions[0].lag + partitions[1].lag)) < 1e-9)
        #expect(last > 0)
    }

    @Test("a rewound offset forgets the cadence")
    func rewound() {
        var (cadence, partition) = Self.committingEveryFiveSeconds()
        #expect(cadence.interval(of: 0) == 5)
        partition.committed = 0
        partition.consumed = 0
        #expect(Self.read(&cadence, 41, partition) == 0)
        #expect(cadence.interval(of: 0) == nil)
    }
}

extension CadencePartition {
    /// The lag at the end of second `t` of a steady run from 0 (for checking estimates after the fact).
    func lagAt(_ t: Int, arrival: Double, commitEvery: Int) -> Double {
        var replay = CadencePartition()
        for s in 1...t { replay.second(s, arrival: arrival, commitEvery: commitEvery) }
        return replay.lag
    }
}
