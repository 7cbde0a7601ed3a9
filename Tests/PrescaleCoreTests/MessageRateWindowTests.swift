import PrescaleCore
import Testing

@Suite("Sliding message window")
struct MessageRateWindowTests {
    @Test("a steady 10 messages per second reads 10 × window at every moment")
    func steady() {
        var window = MessageRateWindow(windowSeconds: 5, at: 0)
        var probes = 0
        for tenth in 0..<200 {
            let time = Double(tenth) / 10  // 10 per second for 20 s
            window.record(at: time)
            if tenth >= 60 && tenth % 7 == 0 {
                let count = window.count(at: time + 0.05)
                #expect(abs(count - 50) <= 1, "at \(time)")
                let rate = window.rate(at: time + 0.05)
                #expect(abs(rate - 10) <= 0.2, "at \(time)")
                probes += 1
            }
        }
        #expect(probes > 10)
        #expect(window.total == 200)
    }

    /// The window's counts at `times`, in order (reading advances the window, so it is not a getter).
    func counts(_ window: inout MessageRateWindow, at times: [Double]) -> [Double] {
        times.map { window.count(at: $0) }
    }

    @Test("a burst is counted exactly, then leaves the window")
    func burst() {
        var window = MessageRateWindow(windowSeconds: 3, at: 100)
        window.record(25, at: 100.5)
        // At 103.5 the burst's second (100) is the edge bucket, half outside the window.
        #expect(self.counts(&window, at: [100.9, 102.99, 103.5, 104.0, 10_000]) == [25, 25, 12.5, 0, 0])
        #expect(window.total == 25)
    }

    @Test("a window of one second")
    func oneSecond() {
        var window = MessageRateWindow(windowSeconds: 1, at: 0)
        window.record(4, at: 0.2)
        window.record(6, at: 1.1)
        #expect(self.counts(&window, at: [1.25, 2.0, 3.0]) == [6 + 4 * 0.75, 6, 0])
    }

    @Test("a long gap empties every bucket")
    func gap() {
        var window = MessageRateWindow(windowSeconds: 2, at: 0)
        window.record(7, at: 0)
        window.record(1, at: 500.2)
        #expect(self.counts(&window, at: [500.5]) == [1])
    }
}

@Suite("mosquitto $SYS statistics")
struct MosquittoSysStatisticsTests {
    @Test("backlog is store count minus retained count, never negative")
    func backlog() {
        var statistics = MosquittoSysStatistics()
        #expect(statistics.backlog(at: 0) == nil)
        statistics.apply(topic: MosquittoSysStatistics.Topic.storeCount, payload: "78", at: 1)
        #expect(statistics.backlog(at: 1) == nil)
        statistics.apply(topic: MosquittoSysStatistics.Topic.retainedCount, payload: "53", at: 1)
        #expect(statistics.backlog(at: 1) == 25)
        statistics.apply(topic: MosquittoSysStatistics.Topic.storeCount, payload: "50", at: 2)
        #expect(statistics.backlog(at: 2) == 0)
        let unknownTopic = statistics.apply(topic: "$SYS/broker/version", payload: "mosquitto 2.0.11", at: 2)
        let notANumber = statistics.apply(topic: MosquittoSysStatistics.Topic.dropped, payload: "many", at: 2)
        #expect(!unknownTopic && !notANumber && statistics.dropped == nil)
    }

    @Test("values go stale when the uptime heartbeat stops, with a bound learnt from it")
    func staleness() {
        var statistics = MosquittoSysStatistics()
        statistics.apply(topic: MosquittoSysStatistics.Topic.storeCount, payload: "10", at: 0)
        statistics.apply(topic: MosquittoSysStatistics.Topic.retainedCount, payload: "4", at: 0)
        #expect(statistics.staleAfter == 30)  // default sys_interval 10 s, three intervals
        for second in 1...5 {
            statistics.apply(topic: MosquittoSysStatistics.Topic.uptime, payload: "\(second) seconds", at: Double(second))
        }
        #expect(statistics.interval == 1)
        #expect(statistics.staleAfter == 5)
        #expect(statistics.backlog(at: 9.9) == 6)
        #expect(statistics.backlog(at: 10.1) == nil)
    }
}
