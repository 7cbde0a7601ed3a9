@testable import PrescaleDemo
import Testing

@Suite("Demo consumer model")
struct DemoSimulationTests {
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
