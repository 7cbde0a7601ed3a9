import PrescaleCore
import Testing

@Suite("Capacity estimator")
struct CapacityEstimatorTests {
    /// Feeds `seconds` of saturated consumption at `rate` per replica with `replicas` replicas, the
    /// progress made visible in lumps every `commitEvery` seconds (a consumer's commit interval), with
    /// ±`jitter` relative noise per second. Returns the estimates after each second.
    static func feed(
        _ estimator: inout CapacityEstimator, from start: Double, seconds: Int, rate: Double, replicas: Int,
        commitEvery: Int = 1, jitter: Double = 0.3, consumed: inout Double, generator: inout SplitMix
    ) -> [Double?] {
        var estimates: [Double?] = []
        var uncommitted = 0.0
        for second in 1...seconds {
            let noise = 1 + jitter * (Double(generator.next() % 2_001) / 1_000 - 1)
            uncommitted += rate * Double(replicas) * noise
            if second % commitEvery == 0 {
                consumed += uncommitted
                uncommitted = 0
            }
            estimator.observe(time: start + Double(second), consumed: consumed, backlog: 500, replicas: replicas)
            estimates.append(estimator.estimate)
        }
        return estimates
    }

    @Test(
        "converges within 10% of the true rate within 5 minutes of saturated traffic",
        arguments: [
            (2.0, 1, 1), (10.0, 4, 1), (50.0, 3, 5), (0.5, 10, 2),
        ])
    func converges(rate: Double, replicas: Int, commitEvery: Int) throws {
        var estimator = CapacityEstimator(prior: nil)
        var generator = SplitMix(seed: UInt64(rate * 10) + UInt64(replicas))
        var consumed = 0.0
        let estimates = Self.feed(
            &estimator, from: 0, seconds: 300, rate: rate, replicas: replicas, commitEvery: commitEvery, consumed: &consumed,
            generator: &generator)
        let final = try #require(estimates.last ?? nil)
        #expect(abs(final - rate) <= 0.1 * rate, "estimate \(final) for a true rate \(rate)")
        #expect(estimator.confidence > 0.5, "confidence \(estimator.confidence)")
    }

    @Test("follows a change of rate within 5 minutes")
    func followsChange() throws {
        var estimator = CapacityEstimator(prior: nil)
        var generator = SplitMix(seed: 7)
        var consumed = 0.0
        _ = Self.feed(&estimator, from: 0, seconds: 300, rate: 10, replicas: 3, consumed: &consumed, generator: &generator)
        #expect(abs(estimator.estimate! - 10) <= 1)
        // The function gets slower (a heavier payload): 4 messages per replica per second.
        let after = Self.feed(&estimator, from: 300, seconds: 300, rate: 4, replicas: 3, consumed: &consumed, generator: &generator)
        let final = try #require(after.last ?? nil)
        #expect(abs(final - 4) <= 0.4, "estimate \(final) after the change to 4")
    }

    @Test("idle consumers teach nothing: only saturated stretches count")
    func ignoresIdle() throws {
        var estimator = CapacityEstimator(prior: nil)
        var generator = SplitMix(seed: 3)
        var consumed = 0.0
        _ = Self.feed(&estimator, from: 0, seconds: 120, rate: 20, replicas: 2, consumed: &consumed, generator: &generator)
        // The backlog is gone: the last saturated stretch ends and counts.
        consumed += 3
        estimator.observe(time: 121, consumed: consumed, backlog: 0, replicas: 2)
        let learned = try #require(estimator.estimate)
        // Ten minutes of a trickle that two replicas serve with no backlog.
        for second in 2...600 {
            consumed += 3
            estimator.observe(time: 120 + Double(second), consumed: consumed, backlog: 0, replicas: 2)
        }
        #expect(estimator.estimate == learned)
    }

    @Test("no estimate without a prior until saturated data exists; a prior alone has confidence 0")
    func priorAndNothing() {
        var none = CapacityEstimator(prior: nil)
        #expect(none.estimate == nil && none.confidence == 0)
        none.observe(time: 0, consumed: 0, backlog: 100, replicas: 1)
        none.observe(time: 1, consumed: 5, backlog: 100, replicas: 1)
        #expect(none.estimate == nil)
        let prior = CapacityEstimator(prior: 40)
        #expect(prior.estimate == 40 && prior.confidence == 0)
    }

    @Test("a wrong prior is forgotten once the data disagrees")
    func wrongPrior() throws {
        var estimator = CapacityEstimator(prior: 40)
        var generator = SplitMix(seed: 11)
        var consumed = 0.0
        let estimates = Self.feed(&estimator, from: 0, seconds: 300, rate: 8, replicas: 2, consumed: &consumed, generator: &generator)
        let final = try #require(estimates.last ?? nil)
        #expect(abs(final - 8) <= 0.8, "estimate \(final) with a prior of 40")
    }

    @Test("a change of replicas starts a new segment, measured per replica")
    func replicaChanges() throws {
        var estimator = CapacityEstimator(prior: nil)
        var generator = SplitMix(seed: 5)
        var consumed = 0.0
        var time = 0.0
        for replicas in [1, 2, 4, 8, 3, 6, 2, 5] {
            _ = Self.feed(
                &estimator, from: time, seconds: 40, rate: 6, replicas: replicas, jitter: 0.1, consumed: &consumed, generator: &generator)
            time += 40
        }
        let final = try #require(estimator.estimate)
        #expect(abs(final - 6) <= 0.6, "estimate \(final)")
    }

    /// Saturated consumers at 10 per replica per second whose count alternates between 3 and 4 every
    /// 8 s; after each change the group consumes nothing for `pause` seconds (an eager rebalance),
    /// sampled every second, the pause starting `offset` s into the interval after the change.
    static func rebalancing(pause: Double, offset: Double, follows: Bool) -> CapacityEstimator {
        var estimator = CapacityEstimator(prior: nil, followsRebalances: follows)
        var consumed = 0.0
        var pausedUntil = -1.0
        var replicas = 3
        for second in 1...600 {
            let time = Double(second)
            if second % 8 == 0 {
                replicas = replicas == 3 ? 4 : 3
                pausedUntil = time + offset + pause
            }
            // The seconds of this interval (time-1 ... time) in which the group consumed nothing.
            let pauseStart = pausedUntil - pause
            let paused = max(0, min(time, pausedUntil) - max(time - 1, pauseStart))
            consumed += 10 * Double(replicas) * (1 - paused)
            estimator.observe(time: time, consumed: consumed, backlog: 500, replicas: replicas)
        }
        return estimator
    }

    @Test(
        "a consumer group's rebalance pause after each change of replicas is left out of every segment; without that, segments read far too low",
        arguments: [(3.0, 0.0), (1.0, 0.0), (1.0, 0.5), (2.5, 0.3)])
    func rebalancePauses(pause: Double, offset: Double) throws {
        let following = Self.rebalancing(pause: pause, offset: offset, follows: true)
        #expect(following.segmentRates.count >= 20)
        #expect(following.segmentRates.allSatisfy { abs($0 - 10) < 1e-9 }, "\(following.segmentRates)")
        let ignoring = Self.rebalancing(pause: pause, offset: offset, follows: false)
        let lowest = try #require(ignoring.segmentRates.min())
        #expect(lowest < 8.5, "lowest segment \(lowest) without following the pauses")
    }

    @Test("with no pause after a change, following rebalances changes nothing")
    func noPauseNoChange() {
        #expect(
            Self.rebalancing(pause: 0, offset: 0, follows: true).segmentRates
                == Self.rebalancing(pause: 0, offset: 0, follows: false).segmentRates)
    }

    @Test("changes of replicas followed by full consumption are free; a pause after each, even a partial one, is not")
    func changesJudged() {
        let free = Self.rebalancing(pause: 0, offset: 0, follows: true)
        #expect(free.changesAreFree && free.judgedChangeCount >= 60, "\(free.judgedChangeCount)")
        for (pause, offset) in [(3.0, 0.0), (1.0, 0.0), (1.0, 0.5), (0.5, 0.0)] {
            let pausing = Self.rebalancing(pause: pause, offset: offset, follows: true)
            #expect(!pausing.changesAreFree && pausing.judgedChangeCount >= 60, "pause \(pause) at \(offset)")
        }
        #expect(!Self.rebalancing(pause: 0, offset: 0, follows: false).changesAreFree)
    }

    @Test("a change with no more work waiting than the replicas consume says nothing about a pause")
    func idleChangesUnjudged() {
        var estimator = CapacityEstimator(prior: 10)
        var consumed = 0.0
        for second in 1...120 {
            let replicas = second / 8 % 2 == 0 ? 3 : 4
            consumed += 5
            estimator.observe(time: Double(second), consumed: consumed, backlog: 5, replicas: replicas)
        }
        #expect(estimator.judgedChangeCount == 0 && !estimator.changesAreFree)
    }
}

@Suite("Burst memory")
struct BurstMemoryTests {
    /// Bursts of `height` per second lasting `length` seconds, separated by `gap` seconds of silence.
    static func bursts(_ memory: inout BurstMemory, count: Int, height: Double, length: Int, gap: Int, from start: Double = 0) -> Double {
        var time = start
        for _ in 0..<count {
            for _ in 0..<length {
                time += 1
                memory.observe(time: time, rate: height)
            }
            for _ in 0..<gap {
                time += 1
                memory.observe(time: time, rate: 0)
            }
        }
        return time
    }

    @Test("after two bursts, a new one is planned at their peak from its first sample, for their length")
    func plansAtFirstSample() {
        var memory = BurstMemory()
        var time = Self.bursts(&memory, count: 2, height: 30, length: 12, gap: 40)
        #expect(memory.count == 2)
        time += 1
        memory.observe(time: time, rate: 3)  // the first second of a new burst: only 3 so far
        #expect(abs(memory.plannedRate(at: time) - 30) < 1)
        // Past the remembered duration, nothing is added.
        for _ in 0..<13 {
            time += 1
            memory.observe(time: time, rate: 3)
        }
        #expect(memory.plannedRate(at: time) == 0)
    }

    @Test("a burst that idles before it rises is planned a lead time before its remembered rise, not from its start")
    func plansBeforeTheRise() {
        var memory = BurstMemory()
        var time = 0.0
        // 30 s at 2/s, then 30 s at 60/s, then 30 s of silence: twice.
        for _ in 0..<2 {
            for second in 0..<90 {
                time += 1
                memory.observe(time: time, rate: second < 30 ? 2 : second < 60 ? 60 : 0)
            }
        }
        #expect(memory.count == 2)
        #expect(memory.remembered.rises == [30, 30])
        for second in 0..<40 {
            time += 1
            memory.observe(time: time, rate: second < 30 ? 2 : 60)
            let age = Double(second)
            // Capacity asked for now is ready 20 s later: planned from 10 s into the burst on.
            #expect((memory.plannedRate(at: time, lead: 20) > 59) == (age >= 10), "age \(age)")
            #expect((memory.plannedRate(at: time, lead: 0) > 59) == (age >= 30), "age \(age)")
        }
    }

    @Test("bursts restored without their rises (older state) are planned from their first sample")
    func restoredWithoutRises() {
        var memory = BurstMemory()
        memory.restore(peaks: [30, 30], durations: [12, 12])
        memory.observe(time: 1, rate: 3)
        #expect(abs(memory.plannedRate(at: 1) - 30) < 1e-9)
        var timed = BurstMemory()
        timed.restore(peaks: [30, 30], durations: [12, 12], rises: [8, 8])
        timed.observe(time: 1, rate: 3)
        #expect(timed.plannedRate(at: 1) == 0)
        #expect(timed.plannedRate(at: 1, lead: 8) == 30)
    }

    @Test("a restored end of the last burst is kept while the silence since it is plausible, and dropped when it is not")
    func restoredLastEnd() {
        func restored(silenceAtFirstSample: Double, gaps: [Double]) -> Double? {
            var memory = BurstMemory()
            memory.restore(peaks: [30, 30, 30], durations: [12, 12, 12], gaps: gaps, lastEnd: 1_000)
            memory.observe(time: 1_000 + silenceAtFirstSample, rate: 0)
            return memory.lastBurstEnd
        }
        #expect(restored(silenceAtFirstSample: 50, gaps: [70, 70]) == 1_000)
        #expect(restored(silenceAtFirstSample: 140, gaps: [70, 70]) == 1_000)
        // Longer than twice the longest silence: bursts may have come while nothing watched.
        #expect(restored(silenceAtFirstSample: 141, gaps: [70, 70]) == nil)
        #expect(restored(silenceAtFirstSample: 5, gaps: []) == nil)
    }

    @Test("bursts at regular silences are pre-warmed a lead time before they are due, until the latest is due")
    func prewarmRegular() {
        var memory = BurstMemory()
        // Bursts of 12 s at 30/s with 40 s of silence (each gap 41 s, see nextRise): 40 s have passed.
        let time = Self.bursts(&memory, count: 3, height: 30, length: 12, gap: 40)
        #expect(memory.prewarmRate(at: time - 10, lead: 10) == 0)  // 30 s of silence: due in 11
        #expect(memory.prewarmRate(at: time - 9, lead: 10) == 30)  // due within the lead time
        #expect(memory.prewarmRate(at: time + 1, lead: 10) == 30)  // the latest silence seen
        #expect(memory.prewarmRate(at: time + 2, lead: 10) == 0)  // later than any: not pre-warmed
        #expect(memory.prewarmRate(at: time - 9, lead: 1) == 0)  // a shorter lead opens later
        // A burst under way is burst memory's own plan, not a pre-warm.
        var running = memory
        running.observe(time: time + 1, rate: 30)
        #expect(running.prewarmRate(at: time + 1, lead: 10) == 0)
        // One burst alone says nothing about when the next comes.
        var one = BurstMemory()
        let end = Self.bursts(&one, count: 1, height: 30, length: 12, gap: 40)
        #expect(one.prewarmRate(at: end, lead: 10) == 0)
    }

    @Test("bursts at irregular silences (spread over a quarter of the median) are never pre-warmed")
    func prewarmIrregular() {
        var memory = BurstMemory()
        var time = 0.0
        for gap in [40, 100, 60, 200, 45] {
            time = Self.bursts(&memory, count: 1, height: 30, length: 12, gap: gap, from: time)
        }
        #expect(memory.rememberedGaps.count == 4)
        for silence in stride(from: 5.0, through: 300, by: 1) {
            #expect(memory.prewarmRate(at: time - 45 + silence, lead: 20) == 0, "silence \(silence)")
        }
        // The same bursts at silences within 10% of each other are.
        var regular = BurstMemory()
        time = 0
        for gap in [100, 104, 96, 101, 99] {
            time = Self.bursts(&regular, count: 1, height: 30, length: 12, gap: gap, from: time)
        }
        #expect(regular.prewarmRate(at: time - 99 + 90, lead: 20) == 30)
    }

    @Test("the next rise is expected an early gap after the last burst ended, plus the early rise")
    func nextRise() {
        var memory = BurstMemory()
        // Bursts of 12 s with 40 s of silence: a burst ends at its last arrival, so each gap is 40 s + 1.
        var time = Self.bursts(&memory, count: 3, height: 30, length: 12, gap: 40)
        #expect(memory.rememberedGaps == [41, 41])
        // 40 s of silence have passed since the last arrival: the next burst is 1 s away, rising at once.
        #expect(memory.secondsToNextRise(at: time) == 1)
        #expect(memory.secondsToNextRise(at: time - 30) == 31)
        // During a burst there is no next rise to speak of.
        time += 1
        memory.observe(time: time, rate: 30)
        #expect(memory.secondsToNextRise(at: time) == nil)
        // One burst alone says nothing about gaps.
        var one = BurstMemory()
        time = Self.bursts(&one, count: 1, height: 30, length: 12, gap: 40)
        #expect(one.count == 1 && one.secondsToNextRise(at: time) == nil)
    }

    @Test("a load with no silences never forms a burst")
    func steady() {
        var memory = BurstMemory()
        for second in 1...3_600 {
            memory.observe(time: Double(second), rate: 5 + Double(second % 7))
            #expect(memory.plannedRate(at: Double(second)) == 0)
        }
        #expect(memory.count == 0)
    }
}
