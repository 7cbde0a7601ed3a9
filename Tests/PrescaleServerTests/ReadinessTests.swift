import Testing

@testable import PrescaleServer

@Suite("Readiness")
struct ReadinessTests {
    @Test("not ready until both listeners are bound, each missing one named; not ready again once draining")
    func phases() {
        let readiness = Readiness()
        #expect(readiness.status == (false, "gRPC listener not bound yet"))
        readiness.grpcIsListening()
        #expect(readiness.status == (false, "HTTP listener not bound yet"))
        readiness.httpIsListening()
        #expect(readiness.status == (true, "ok"))
        readiness.beginDraining()
        #expect(readiness.status == (false, "shutting down"))
    }

    @Test("with learned state kept, not ready until it is loaded")
    func learnedState() {
        let readiness = Readiness()
        readiness.waitForLearnedState()
        readiness.grpcIsListening()
        readiness.httpIsListening()
        #expect(readiness.status == (false, "learned state not loaded yet"))
        readiness.learnedStateIsLoaded()
        #expect(readiness.status == (true, "ok"))
    }
}
