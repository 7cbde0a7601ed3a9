import ArgumentParser
import PrescaleSimulator

/// The consumers and the SLO that `simulate` and `tune` model. The defaults are the simulator's own
/// (``ConsumerModel`` and ``Simulation``), written there once.
struct ConsumerOptions: ParsableArguments {
    @Option(help: "Seconds from creating a replica to it consuming, >= 0.")
    var coldStart: Double = ConsumerModel().coldStartSeconds
    @Option(help: "Partitions: consumers beyond this do nothing, >= 1.")
    var partitions: Int = ConsumerModel().partitions
    @Option(help: "maxReplicaCount, >= 1.")
    var maxReplicas: Int = ConsumerModel().maximumReplicas
    @Option(help: "Message-wait SLO in seconds (tune: for the p99 wait), > 0.")
    var slo: Double = Simulation.defaultSLO

    func validate() throws {
        guard self.coldStart >= 0, self.coldStart.isFinite else {
            throw ValidationError("--cold-start: \(self.coldStart) is not allowed; allowed: a number >= 0")
        }
        guard self.partitions >= 1 else { throw ValidationError("--partitions: \(self.partitions) is not allowed; allowed: 1 or more") }
        guard self.maxReplicas >= 1 else {
            throw ValidationError("--max-replicas: \(self.maxReplicas) is not allowed; allowed: 1 or more")
        }
        guard self.slo > 0, self.slo.isFinite else { throw ValidationError("--slo: \(self.slo) is not allowed; allowed: a number > 0") }
    }

    /// `model` with these consumers.
    func apply(to model: inout ConsumerModel) {
        model.coldStartSeconds = self.coldStart
        model.partitions = self.partitions
        model.maximumReplicas = self.maxReplicas
    }
}
