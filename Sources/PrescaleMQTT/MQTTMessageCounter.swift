import PrescaleCore
import Synchronization

/// Counts the messages delivered to one topic filter of a connection, in one sliding window per
/// distinct `windowSeconds` of the triggers reading it. Payloads are never stored.
///
/// ``record(at:)`` runs on the connection's network thread for every message; it takes one short lock
/// and allocates nothing. A reader that is waiting for the first message after an idle period
/// ``arm(_:)``s its wake-up and is called back from that thread at once, so push activation does not
/// wait for the next sample tick.
public final class MQTTMessageCounter: Sendable {
    private struct Waker {
        var armed: Bool
        var wake: @Sendable () -> Void
    }

    private struct State {
        /// A small array: usually one window, and indexing it in place never copies the buckets.
        var windows: [(seconds: Int, window: MessageRateWindow, readers: Int)] = []
        var total: UInt64 = 0
        var wakers: [Int: Waker] = [:]
        var armedCount = 0
        var nextWakerID = 0
        var refusal: MQTTError?
    }

    /// The topic filter.
    public let filter: MQTTTopicFilter
    private let state = Mutex(State())

    init(filter: MQTTTopicFilter) {
        self.filter = filter
    }

    /// Counts one message that arrived at `time` (monotonic seconds).
    func record(at time: Double) {
        let wake = self.state.withLock { state -> [@Sendable () -> Void] in
            state.total &+= 1
            for index in 0..<state.windows.count {
                state.windows[index].window.record(at: time)
            }
            guard state.armedCount > 0 else { return [] }
            var wake: [@Sendable () -> Void] = []
            for (id, waker) in state.wakers where waker.armed {
                state.wakers[id]!.armed = false
                wake.append(waker.wake)
            }
            state.armedCount = 0
            return wake
        }
        for body in wake { body() }
    }

    /// Messages counted since the subscription was made.
    public var total: UInt64 {
        self.state.withLock { $0.total }
    }

    /// Messages in the last `windowSeconds` at `time`, and the running total.
    public func count(windowSeconds: Int, at time: Double) -> (inWindow: Double, total: UInt64) {
        self.state.withLock { state in
            guard let index = state.windows.firstIndex(where: { $0.seconds == windowSeconds }) else { return (0, state.total) }
            return (state.windows[index].window.count(at: time), state.total)
        }
    }

    /// Why the broker refused the subscription, if it did.
    public var refusal: MQTTError? {
        self.state.withLock { $0.refusal }
    }

    /// Records the broker's answer to the subscription: `nil` when granted.
    func refuse(_ error: MQTTError?, filter: MQTTTopicFilter) {
        self.state.withLock { $0.refusal = error.map { MQTTError($0.code, "\($0.message) to \"\(filter)\"") } }
    }

    // MARK: Readers

    /// Adds a reader of a `windowSeconds` window; the window starts empty at `time`.
    func addReader(windowSeconds: Int, at time: Double) {
        self.state.withLock { state in
            if let index = state.windows.firstIndex(where: { $0.seconds == windowSeconds }) {
                state.windows[index].readers += 1
            } else {
                state.windows.append((windowSeconds, MessageRateWindow(windowSeconds: windowSeconds, at: time), 1))
            }
        }
    }

    /// Removes a reader; the window goes when its last reader does.
    func removeReader(windowSeconds: Int) {
        self.state.withLock { state in
            guard let index = state.windows.firstIndex(where: { $0.seconds == windowSeconds }) else { return }
            if state.windows[index].readers <= 1 {
                state.windows.remove(at: index)
            } else {
                state.windows[index].readers -= 1
            }
        }
    }

    /// Registers `wake`, called (from the network thread) for the first message after ``arm(_:)``.
    public func addWaker(_ wake: @escaping @Sendable () -> Void) -> Int {
        self.state.withLock { state in
            let id = state.nextWakerID
            state.nextWakerID += 1
            state.wakers[id] = Waker(armed: false, wake: wake)
            return id
        }
    }

    /// Arms waker `id`: the next message calls it once.
    public func arm(_ id: Int) {
        self.state.withLock { state in
            guard let waker = state.wakers[id], !waker.armed else { return }
            state.wakers[id]!.armed = true
            state.armedCount += 1
        }
    }

    /// Removes waker `id`.
    public func removeWaker(_ id: Int) {
        self.state.withLock { state in
            if let waker = state.wakers.removeValue(forKey: id), waker.armed { state.armedCount -= 1 }
        }
    }
}
