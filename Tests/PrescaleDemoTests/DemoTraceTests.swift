@testable import PrescaleDemo
import Testing

@Suite("Demo traces and consumer model")
struct DemoTraceTests {
    @Test("per-request timestamps are counted per second from the first request, and scaled")
    func perRequest() throws {
        let text = """
            TIMESTAMP,ContextTokens,GeneratedTokens
            2023-11-16 18:17:03.97,4808,10
            2023-11-16 18:17:04.03,3180,8
            2023-11-16 18:17:04.50,100,8
            2023-11-16 18:17:06.10,100,8
            """
        #expect(try DemoTrace.perSecondCounts(text, scale: 1, limit: 100) == [3, 0, 1])
        #expect(try DemoTrace.perSecondCounts(text, scale: 0.5, limit: 2) == [1.5])
    }

    @Test("per-minute counts are spread over the minute")
    func perMinute() throws {
        let counts = try DemoTrace.perSecondCounts("period,count\n1998-04-30 21:30:00,120\n", scale: 1, limit: 100)
        #expect(counts.count == 60)
        #expect(counts.allSatisfy { $0 == 2 })
    }

    @Test("bad rows name their line")
    func badRows() {
        #expect {
            _ = try DemoTrace.perSecondCounts("TIMESTAMP,a\nyesterday,1\n", scale: 1, limit: 10)
        } throws: { error in
            String(describing: error).hasPrefix("line 2:")
        }
        #expect(throws: DemoTrace.ReadError.self) { _ = try DemoTrace.perSecondCounts("x,y\n", scale: 1, limit: 10) }
    }

    @Test("the consumer pool serves every produced message exactly once and never more than produced")
    func consumerModel() {
        var configuration = DemoRun.Configuration()
        configuration.partitions = 4
        configuration.messagesPerReplicaPerSecond = 10
        var simulation = DemoSimulation(configuration: configuration)
        for tick in 0..<200 {
            _ = simulation.arrivals(at: Double(tick) / 10, duration: 20, step: 0.1)
            simulation.consume(step: 0.1, now: Double(tick) / 10)
            #expect(zip(simulation.produced, simulation.consumed).allSatisfy { $0 >= $1 })
        }
        // The burst (200/s) outruns one replica at 10/s, so lag remains.
        #expect(simulation.produced.reduce(0, +) > simulation.consumed.reduce(0, +))
        simulation.sync(value: 1_000, active: true, now: 20)
        #expect(simulation.desired == 4)
    }
}
