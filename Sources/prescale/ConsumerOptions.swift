import ArgumentParser
import PrescaleSimulator

/// The consumers and the SLO that `simulate` and `tune` model. The defaults are the simulator's own
/// (``ConsumerModel`` and ``Simulation``), written there once.
struct ConsumerOptions: ParsableArguments {
    @Option(help: "Seconds from creating a replica to it consuming, >= 0.")
    var coldStart: Double = ConsumerModel().coldStartSeconds
    @Option(help: "Partitions: consumers beyond this do nothing, >= 1.")
    var partitions: Int = ConsumerModel().partitions
    @Option(help: "Seconds between the consumers' offset commits, >= 0 (0: as consumed; Kafka clients default to 5).")
    var commitInterval: Double = ConsumerModel().commitIntervalSeconds
    @Option(help: "maxReplicaCount, >= 1.")
    var maxReplicas: Int = ConsumerModel().maximumReplicas
    @Option(help: "Message-wait SLO in seconds (tune: for the p99 wait), > 0.")
    var slo: Double = Simulation.defaultSLO
    @Option(help: "Seconds at the start whose messages the wait columns leave out (a learning period), >= 0.")
    var warmUp: Double = Simulation(model: ConsumerModel()).warmUpSeconds

    func validate() throws {
        guard self.coldStart >= 0, self.coldStart.isFinite else {
            throw ValidationError("--cold-start: \(self.coldStart) is not allowed; allowed: a number >= 0")
        }
        guard self.commitInterval >= 0, self.commitInterval.isFinite else {
            throw ValidationError("--commit-interval: \(self.commitInterval) is not allowed; allowed: a number >= 0")
        }
        guard self.partitions >= 1 else { throw ValidationError("--partitions: \(self.partitions) is not allowed; allowed: 1 or more") }
        guard self.maxReplicas >= 1 else {
            throw ValidationError("--max-replicas: \(self.maxReplicas) is not allowed; allowed: 1 or more")
        }
        guard self.slo > 0, self.slo.isFinite else { throw ValidationError("--slo: \(self.slo) is not allowed; allowed: a number > 0") }
        guard self.warmUp >= 0, self.warmUp.isFinite else {
            throw ValidationError("--warm-up: \(self.warmUp) is not allowed; allowed: a number >= 0")
        }
    }

    /// `simulation` with this SLO and learning period.
    func apply(to simulation: inout Simulation) {
        simulation.slo = self.slo
        simulation.warmUpSeconds = self.warmUp
    }

    /// `model` with these consumers.
    func apply(to model: inout ConsumerModel) {
        model.coldStartSeconds = self.coldStart
        model.commitIntervalSeconds = self.commitInterval
        model.partitions = self.partitions
        model.maximumReplicas = self.maxReplicas
    }
}
