/// Estimates how much of a lag consumers have already consumed but not yet committed, from how often and
/// how much their committed offsets move.
///
/// A Kafka lag is end offset − committed offset, and consumers commit every few seconds (librdkafka and
/// the Java client every 5 s by default, `auto.commit.interval.ms`): between commits the lag carries a
/// sawtooth of up to an interval's consumption that is not backlog. Planned as backlog, it asks for
/// replicas to drain messages that are already consumed.
///
/// Per key (a Kafka partition; the simulator's consumers as one key), a **commit** is a sample where the
/// committed offset moved. The gap between two commits counts when there was lag at half its samples or
/// more (something to commit, so a consumer committing as it consumes would have moved it; a gap that was
/// mostly idle, such as a silence ended by a burst that waits for a replica, does not count). The key's
/// consumers commit periodically once the last ``requiredGaps`` counted gaps are each at least
/// ``minimumSamplesPerGap`` sample intervals and agree within ``agreement`` of their median; a consumer
/// that commits as it consumes (gaps of one sample interval) never does. Then, until the commit is overdue
/// (``overdueFactor`` × the interval), the uncommitted estimate is the rate the last gap committed at
/// times the seconds since the last commit, never more than the key's lag. Afterwards (a stuck consumer,
/// a rebalance) it is 0, so the whole lag counts again.
///
/// Without periodic commits the estimate is exactly 0, so the planner sees what it saw before.
public struct CommitCadence<Key: Hashable & Sendable>: Sendable {
    /// Counted gaps (lag at half their samples or more) that establish a commit interval.
    public static var requiredGaps: Int { 3 }
    /// A gap shorter than this many sample intervals is a commit as consumed, not a cadence.
    public static var minimumSamplesPerGap: Double { 2 }
    /// Gaps agree when each is within this share of their median (or one sample interval, if more).
    public static var agreement: Double { 0.2 }
    /// A commit later than this many intervals is overdue: the estimate falls to 0.
    public static var overdueFactor: Double { 1.5 }
    /// Gaps longer than this (seconds) are never a commit cadence.
    public static var longestGap: Double { 60 }

    struct Entry: Sendable {
        var committed: Double
        var at: Double
        /// Samples since the last commit, and how many of them had lag.
        var samplesSince = 0
        var samplesWithLag = 0
        /// Whether the gap under way counts: lag for at least half of it (a periodic committer's
        /// sawtooth), not an idle stretch that ended in a burst.
        var lagSince: Bool { self.samplesWithLag * 2 >= self.samplesSince }
        /// The last counted gaps (seconds), newest last; at most ``requiredGaps``.
        var gaps: [Double] = []
        /// The committed rate over the last gap (messages per second).
        var rate: Double?
        /// The interval, once ``requiredGaps`` gaps agree.
        var interval: Double?
    }

    private var entries: [Key: Entry] = [:]
    private var lastTime: Double?
    private var sampleInterval: Double?

    /// Creates an empty tracker.
    public init() {}

    /// The commit interval learned for `key`, if its consumers commit periodically.
    public func interval(of key: Key) -> Double? { self.entries[key]?.interval }

    /// Folds in one read at `time` (seconds): each key's committed offset (cumulative messages) and lag.
    /// Returns the messages estimated consumed but not yet committed, summed over the keys. Keys not in
    /// the read are forgotten.
    public mutating func update(time: Double, reads: some Sequence<(key: Key, committed: Double, lag: Double)>) -> Double {
        if let lastTime = self.lastTime, time > lastTime {
            let elapsed = time - lastTime
            self.sampleInterval = self.sampleInterval.map { $0 + 0.2 * (elapsed - $0) } ?? elapsed
        }
        self.lastTime = time
        var seen: [Key: Entry] = [:]
        seen.reserveCapacity(self.entries.count)
        var total = 0.0
        for read in reads {
            var entry = self.entries[read.key] ?? Entry(committed: read.committed, at: time)
            total += self.observe(&entry, committed: read.committed, lag: max(read.lag, 0), at: time)
            seen[read.key] = entry
        }
        self.entries = seen
        return total
    }

    private func observe(_ entry: inout Entry, committed: Double, lag: Double, at time: Double) -> Double {
        let sampleInterval = self.sampleInterval ?? 0
        if committed != entry.committed {
            let gap = time - entry.at
            let jump = committed - entry.committed
            if jump > 0, gap > 0 {
                // Over a gap that began idle, the rate is low: the estimate errs towards counting lag.
                entry.rate = jump / gap
                if entry.lagSince, gap <= Self.longestGap {
                    entry.gaps.append(gap)
                    if entry.gaps.count > Self.requiredGaps { entry.gaps.removeFirst() }
                    if entry.gaps.count == Self.requiredGaps {
                        entry.interval = Self.agreed(entry.gaps, sampleInterval: sampleInterval)
                    }
                }
            } else {
                // A reset or rewound offset: nothing learned stands.
                entry = Entry(committed: committed, at: time)
            }
            entry.committed = committed
            entry.at = time
            entry.samplesSince = 0
            entry.samplesWithLag = 0
            return 0
        }
        entry.samplesSince += 1
        guard lag > 0 else { return 0 }
        entry.samplesWithLag += 1
        guard let interval = entry.interval, let rate = entry.rate else { return 0 }
        let since = time - entry.at
        guard since <= Self.overdueFactor * interval else { return 0 }
        return min(rate * since, lag)
    }

    /// The gaps' median when they make a cadence: each at least ``minimumSamplesPerGap`` sample
    /// intervals and within ``agreement`` of the median (or one sample interval); otherwise `nil`.
    static func agreed(_ gaps: [Double], sampleInterval: Double) -> Double? {
        let median = gaps.sorted()[gaps.count / 2]
        let slack = max(Self.agreement * median, sampleInterval)
        guard gaps.allSatisfy({ $0 >= Self.minimumSamplesPerGap * sampleInterval && abs($0 - median) <= slack }) else { return nil }
        return median
    }
}
