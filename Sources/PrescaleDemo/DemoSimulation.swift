import PrescaleCore

/// The demo's consumer pool and control loop, in simulated time. Pure state; `DemoRun` does the I/O.
struct DemoSimulation {
    let configuration: DemoRun.Configuration
    private(set) var produced: [Int64]
    private(set) var consumed: [Int64]
    private var fraction = 0.0
    private var capacity = 0.0
    private var nextConsumed = 0
    private var nextPartition = 0
    private(set) var desired = 1
    private(set) var ready = 1
    private var pending: [(readyAt: Double, count: Int)] = []
    private var nextSync = 0.0
    /// Produce times of the messages not yet consumed, per partition, oldest first (FIFO per partition).
    private var queued: [[Double]]
    private var queueHeads: [Int]
    /// How long each consumed message waited, seconds.
    private(set) var waits: [Double] = []
    private var now = 0.0
    private var hpa: HPAModel

    init(configuration: DemoRun.Configuration) {
        self.configuration = configuration
        self.hpa = HPAModel(syncSeconds: configuration.syncSeconds, behavior: configuration.behavior, maximum: configuration.partitions)
        self.produced = Array(repeating: 0, count: configuration.partitions)
        self.consumed = Array(repeating: 0, count: configuration.partitions)
        self.queued = Array(repeating: [], count: configuration.partitions)
        self.queueHeads = Array(repeating: 0, count: configuration.partitions)
    }

    /// Messages to produce this step, per partition (round robin), from the load's rate.
    mutating func arrivals(at now: Double, step: Double) -> [Int: Int] {
        self.fraction += self.configuration.load.rate(at: now) * step
        let whole = Int(self.fraction)
        self.fraction -= Double(whole)
        var result: [Int: Int] = [:]
        for _ in 0..<whole {
            result[self.nextPartition, default: 0] += 1
            self.produced[self.nextPartition] += 1
            self.queued[self.nextPartition].append(now)
            self.nextPartition = (self.nextPartition + 1) % self.configuration.partitions
        }
        return result
    }

    /// Ready replicas consume; each partition is served by one replica at most.
    mutating func consume(step: Double, now: Double) {
        self.now = now
        while let first = self.pending.first, first.readyAt <= now {
            self.ready = min(self.ready + first.count, self.configuration.partitions)
            self.pending.removeFirst()
        }
        // Whole messages only; the fraction carries over, and idle capacity is not banked.
        self.capacity += self.configuration.messagesPerReplicaPerSecond * step * Double(self.ready)
        var budget = Int(self.capacity)
        self.capacity -= Double(budget)
        var idlePartitions = 0
        while budget > 0 && idlePartitions < self.configuration.partitions {
            let partition = self.nextConsumed
            self.nextConsumed = (self.nextConsumed + 1) % self.configuration.partitions
            if self.produced[partition] > self.consumed[partition] {
                self.consumed[partition] += 1
                let head = self.queueHeads[partition]
                self.waits.append(max(0, now + step - self.queued[partition][head]))
                self.queueHeads[partition] = head + 1
                if head + 1 > 4_096 && (head + 1) * 2 > self.queued[partition].count {
                    self.queued[partition].removeFirst(head + 1)
                    self.queueHeads[partition] = 0
                }
                budget -= 1
                idlePartitions = 0
            } else {
                idlePartitions += 1
            }
        }
        if budget > 0 { self.capacity = 0 }
    }

    func committedOffsets(topic: String) -> [TopicPartition: Int64] {
        Dictionary(uniqueKeysWithValues: self.consumed.enumerated().map { (TopicPartition(topic, Int32($0.offset)), $0.element) })
    }

    func isSyncDue(at now: Double) -> Bool { now >= self.nextSync }

    /// The HPA's step (the core's ``HPAModel`` with the run's behaviour): desired from the value, at
    /// least 1; scale-up after a cold start, scale-down at once.
    mutating func sync(value: Double, active: Bool, now: Double) {
        self.nextSync = now + self.configuration.syncSeconds
        guard let count = self.hpa.sync(now: now, current: self.desired, value: value, target: Double(self.configuration.lagThreshold))
        else { return }
        self.desired = max(1, min(count, self.configuration.partitions))
        let inFlight = self.pending.reduce(0) { $0 + $1.count }
        if self.desired > self.ready + inFlight {
            self.pending.append((now + self.configuration.coldStartSeconds, self.desired - self.ready - inFlight))
        } else if self.desired < self.ready {
            self.ready = self.desired
            self.pending.removeAll()
        }
    }

    /// Direct actuation: raise the desired count to `replicas` at once (a cold start away from ready);
    /// never lowers it.
    mutating func scaleUp(to replicas: Int, now: Double) {
        let wanted = min(replicas, self.configuration.partitions)
        guard wanted > self.desired else { return }
        self.desired = wanted
        let inFlight = self.pending.reduce(0) { $0 + $1.count }
        if self.desired > self.ready + inFlight {
            self.pending.append((now + self.configuration.coldStartSeconds, self.desired - self.ready - inFlight))
        }
    }

    func row(second: Int) -> DemoRow {
        let lag = zip(self.produced, self.consumed).reduce(Int64(0)) { $0 + $1.0 - $1.1 }
        return DemoRow(
            second: second,
            arrivalRate: self.configuration.load.rate(at: Double(second)),
            lag: lag,
            desired: self.desired,
            ready: self.ready
        )
    }
}
