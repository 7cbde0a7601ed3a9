import Foundation
import PrescaleCore
import Testing

@Suite("Learned state across restarts")
struct LearnedStateTests {
    /// Two bursts of 60 s at 120/s against 6 replicas that consume 10/s each, with silences between.
    static func taught() -> PredictivePlanner {
        var planner = PredictivePlanner(target: 10, activationThreshold: 0, prediction: PredictionSpec(coldStartSeconds: 5))
        var arrived = 0.0
        var consumed = 0.0
        var time = 0.0
        for _ in 0..<2 {
            for _ in 0..<60 {
                time += 1
                arrived += 120
                consumed += 60
                _ = planner.decide(
                    MetricSample(
                        time: time, reactiveValue: arrived - consumed, backlog: arrived - consumed, arrived: arrived, consumed: consumed,
                        replicas: 6))
            }
            for _ in 0..<30 {
                time += 1
                consumed = arrived
                _ = planner.decide(
                    MetricSample(time: time, reactiveValue: 0, backlog: 0, arrived: arrived, consumed: consumed, replicas: 6))
            }
        }
        return planner
    }

    @Test("after a restart a burst that recurs is pre-warmed when due: the silence since the last burst goes on (ablation)")
    func silenceGoesOnAcrossARestart() throws {
        // Bursts of 20 s at 120/s every 90 s, 6 replicas of 10/s each; three of them, then 20 s of silence.
        let spec = PredictionSpec(coldStartSeconds: 5)  // lead time 20 s
        var planner = PredictivePlanner(target: 10, activationThreshold: 0, prediction: spec)
        var arrived = 0.0
        var consumed = 0.0
        func sample(_ time: Double, _ rate: Double) -> MetricSample {
            arrived += rate
            consumed = min(arrived, consumed + 60)
            return MetricSample(
                time: time, reactiveValue: arrived - consumed, backlog: arrived - consumed, arrived: arrived, consumed: consumed,
                replicas: 6)
        }
        for second in 0..<(2 * 90 + 20 + 20) { _ = planner.decide(sample(Double(second), second % 90 < 20 ? 120 : 0)) }
        let learned = try #require(planner.learned)
        #expect(learned.burstGaps?.count == 2)
        let lastEnd = try #require(learned.lastBurstEnd)
        #expect(lastEnd > 180 && lastEnd < 200)
        // Stored on a wall clock, read by a process whose sample clock is 1,000 s behind the first one's.
        let stored = learned.shiftingClock(by: 1_700_000_000)
        #expect(stored.problem == nil)
        func prewarmed(_ state: LearnedState) -> [Int] {
            var restored = PredictivePlanner(target: 10, activationThreshold: 0, prediction: spec)
            restored.restore(state.shiftingClock(by: -1_700_001_000))
            // The rest of the silence, on the new clock: the next burst is due at 270 s on the old one.
            return (220..<270).filter { second in
                restored.decide(
                    MetricSample(time: Double(second - 1_000), reactiveValue: 0, backlog: 0, arrived: 0, consumed: 0, replicas: 1)
                )
                .prediction?.burstDue == true
            }
        }
        let due = prewarmed(stored)
        #expect(!due.isEmpty, "pre-warmed before the next burst")
        #expect(due.allSatisfy { $0 >= 270 - 20 - 5 }, "\(due)")
        // Without the end of the last burst, nothing is due until a burst has been seen again.
        var forgotten = stored
        forgotten.lastBurstEnd = nil
        #expect(prewarmed(forgotten).isEmpty)
    }

    @Test("a restored planner plans its first decision with the capacity and bursts learned before")
    func roundTrip() throws {
        let learned = try #require(Self.taught().learned)
        #expect(learned.problem == nil && learned.isWorthKeeping)
        #expect(learned.capacitySegments.allSatisfy { abs($0 - 10) < 1e-9 })
        #expect(learned.burstPeaks.count == 2 && learned.forecasterLevels.count == ForecasterBank.levelCount)

        var fresh = PredictivePlanner(target: 10, activationThreshold: 0, prediction: PredictionSpec(coldStartSeconds: 5))
        var restored = fresh
        restored.restore(learned)
        let sample = MetricSample(time: 1_000, reactiveValue: 30, backlog: 30, arrived: 30, consumed: 0, replicas: 1)
        _ = fresh.decide(sample)
        _ = restored.decide(sample)
        // Without the restore the first planned sample knows no capacity; with it, the capacity and its confidence.
        let second = MetricSample(time: 1_001, reactiveValue: 150, backlog: 150, arrived: 150, consumed: 0, replicas: 1)
        #expect(fresh.decide(second).prediction?.capacity == nil)
        let decision = restored.decide(second)
        let prediction = try #require(decision.prediction)
        #expect(prediction.capacity.map { abs($0 - 10) < 1e-9 } == true)
        #expect(prediction.capacityConfidence > 0)
        // The restored state is what was saved (it round-trips exactly).
        let again = try #require(restored.learned)
        #expect(again.capacitySegments == learned.capacitySegments && again.burstPeaks == learned.burstPeaks)
        #expect(again.burstRises == learned.burstRises && learned.burstRises?.count == 2)
        #expect(again.burstGaps == learned.burstGaps && learned.burstGaps?.count == 1)
    }

    @Test(
        "state that must not be trusted says why",
        arguments: [
            (
                LearnedState(
                    capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [], forecasterLevels: [],
                    lastBurstEnd: .infinity), "last burst end"
            ),
            (
                LearnedState(
                    version: 2, capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [], forecasterLevels: []),
                "version 2"
            ),
            (
                LearnedState(capacitySegments: [.nan], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [], forecasterLevels: []),
                "positive"
            ),
            (
                LearnedState(capacitySegments: [-1], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [], forecasterLevels: []),
                "positive"
            ),
            (
                LearnedState(
                    capacitySegments: Array(repeating: 1, count: 32), capacitySegmentCount: 40, burstPeaks: [], burstDurations: [],
                    forecasterLevels: []), "at most 31"
            ),
            (
                LearnedState(
                    capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [1, 2], burstDurations: [1], forecasterLevels: []),
                "durations"
            ),
            (
                LearnedState(
                    capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [1, 2], burstDurations: [1, 1], burstRises: [0],
                    forecasterLevels: []), "rises"
            ),
            (
                LearnedState(
                    capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [1], burstDurations: [1], burstRises: [-.infinity],
                    forecasterLevels: []), "burst size"
            ),
            (
                LearnedState(capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [], forecasterLevels: [1, 2]),
                "forecaster"
            ),
            (
                LearnedState(
                    capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [],
                    burstGaps: Array(repeating: 1, count: 16), forecasterLevels: []), "burst gaps"
            ),
            (
                LearnedState(
                    capacitySegments: [1], capacitySegmentCount: 1, burstPeaks: [], burstDurations: [], burstGaps: [.nan],
                    forecasterLevels: []), "burst size"
            ),
        ] as [(LearnedState, String)])
    func untrusted(_ state: LearnedState, _ says: String) {
        #expect(state.problem?.contains(says) == true, "\(state.problem ?? "nil")")
    }

    @Test("state written before burst rises were kept is read, and its bursts rise at their start")
    func olderStateWithoutRises() throws {
        let json =
            #"{"version":1,"capacitySegments":[5],"capacitySegmentCount":1,"burstPeaks":[60,60],"burstDurations":[60,60],"forecasterLevels":[]}"#
        let state = try JSONDecoder().decode(LearnedState.self, from: Data(json.utf8))
        #expect(state.problem == nil && state.burstRises == nil)
        var planner = PredictivePlanner(target: 50, activationThreshold: 0, prediction: PredictionSpec(coldStartSeconds: 5))
        planner.restore(state)
        #expect(planner.learned?.burstRises == [0, 0])
    }

    @Test("a planner with prediction off learns and restores nothing")
    func reactiveKeepsNothing() {
        var planner = PredictivePlanner(target: 10, activationThreshold: 0, prediction: PredictionSpec(enabled: false))
        #expect(planner.learned == nil)
        planner.restore(Self.taught().learned!)
        #expect(planner.decide(MetricSample(time: 1, reactiveValue: 5, backlog: 5, arrived: 5, consumed: 0, replicas: 1)).prediction == nil)
        #expect(ReactivePlanner(target: 1, activationThreshold: 0).learned == nil)
    }
}
