import PrescaleCore
import Testing

@Suite("Reconnect backoff")
struct ReconnectBackoffTests {
    @Test("1 s doubling to 60 s, and back to 1 s after a connection that worked")
    func doubling() {
        var backoff = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(60))
        let delays = (0..<9).map { _ in backoff.next() }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        backoff.reset()
        #expect(backoff.next() == .seconds(1))
    }
}
