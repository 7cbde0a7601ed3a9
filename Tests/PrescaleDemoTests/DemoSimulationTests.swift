import Testing

@testable import PrescaleDemo

@Suite("Demo consumer model")
struct DemoSimulationTests {
    @Test("the consumer pool serves every produced message exactly once and never more than produced")
    func consumerModel() {
        var configuration = DemoRun.Configuration()
        configuration.partitions = 4
        configuration.messagesPerReplicaPerSecond = 10
        // 20/s, 200/s from 4 s to 10 s, 20/s.
        configuration.load = DemoLoad(perSecond: [Double](repeating: 20, count: 4) + [Double](repeating: 200, count: 6) + [20])
        var simulation = DemoSimulation(configuration: configuration)
        for tick in 0..<200 {
            _ = simulation.arrivals(at: Double(tick) / 10, step: 0.1)
            simulation.consume(step: 0.1, now: Double(tick) / 10)
            #expect(zip(simulation.produced, simulation.consumed).allSatisfy { $0 >= $1 })
        }
        // The burst (200/s) outruns one replica at 10/s, so lag remains.
        #expect(simulation.produced.reduce(0, +) > simulation.consumed.reduce(0, +))
        simulation.sync(value: 1_000, active: true, now: 20)
        #expect(simulation.desired == 4)
        // No more arrivals: four replicas drain it. Then every produced message was consumed exactly once:
        // per partition consumed == produced, and one wait was recorded per consumed message.
        for tick in 200..<20_000 where simulation.produced != simulation.consumed {
            simulation.consume(step: 0.1, now: Double(tick) / 10)
        }
        #expect(simulation.produced == simulation.consumed)
        #expect(Int64(simulation.waits.count) == simulation.consumed.reduce(0, +))
    }
}

@Suite("Demo results and direct scale-up")
struct DemoResultTests {
    @Test("direct scale-up raises the desired count after a cold start and never lowers it")
    func scaleUp() {
        var configuration = DemoRun.Configuration()
        configuration.partitions = 6
        configuration.coldStartSeconds = 2
        var simulation = DemoSimulation(configuration: configuration)
        simulation.scaleUp(to: 4, now: 1)
        #expect(simulation.desired == 4)
        simulation.consume(step: 0.1, now: 2.9)
        #expect(simulation.ready == 1)
        simulation.consume(step: 0.1, now: 3.0)
        #expect(simulation.ready == 4)
        simulation.scaleUp(to: 2, now: 4)
        #expect(simulation.desired == 4)
        simulation.scaleUp(to: 50, now: 4)
        #expect(simulation.desired == 6)
    }

    @Test("time to capacity is the longest run of seconds with fewer ready replicas than the rate needs")
    func timeToCapacity() {
        let rows = [(20.0, 1), (100.0, 1), (100.0, 2), (100.0, 4), (100.0, 4), (20.0, 1), (100.0, 3)].enumerated().map {
            DemoRow(second: $0.offset, arrivalRate: $0.element.0, lag: 0, desired: $0.element.1, ready: $0.element.1)
        }
        let result = DemoResult(rows: rows, waits: [0.1, 0.2, 0.3, 4.0], messagesPerReplicaPerSecond: 25, partitions: 12)
        #expect(result.timeToCapacity == 2)
        // The simulator's quantiles: the upper edge of the wait's 10 ms bucket.
        #expect(abs(result.waitQuantile(0.5) - 0.21) < 1e-9)
        #expect(abs(result.waitQuantile(0.99) - 4.01) < 1e-9)
    }

    @Test("every consumed message's wait is recorded, FIFO per partition")
    func waits() {
        var configuration = DemoRun.Configuration()
        configuration.partitions = 2
        configuration.messagesPerReplicaPerSecond = 1_000
        configuration.load = DemoLoad(perSecond: [10])
        var simulation = DemoSimulation(configuration: configuration)
        _ = simulation.arrivals(at: 0, step: 1)
        simulation.consume(step: 0.1, now: 0.5)
        #expect(simulation.waits.count == 10)
        #expect(simulation.waits.allSatisfy { abs($0 - 0.6) < 1e-9 })
    }
}
