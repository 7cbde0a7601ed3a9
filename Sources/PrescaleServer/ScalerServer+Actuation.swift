import Foundation
import Logging
import PrescaleKubernetes
import ServiceLifecycle

/// The pieces of direct actuation that `prescale serve` runs: the client, the actuator, the replica
/// watcher that lets predicting triggers learn their per-replica capacity, and, with leader election,
/// the Lease elector.
struct ActuationServices {
    let client: KubernetesClient
    let actuator: Actuator
    let replicas: ReplicaWatcher
    let elector: LeaseElector?

    /// The services to run, in start order.
    var services: [any Service] {
        var services: [any Service] = []
        if let elector = self.elector { services.append(elector) }
        services.append(self.replicas)
        services.append(self.actuator)
        return services
    }
}

extension ScalerServer {
    /// The cluster to actuate: `--kubeconfig`, else the pod's service account, else `$KUBECONFIG` or
    /// `~/.kube/config`.
    static func clusterConfiguration(_ configuration: ServerConfiguration, environment: [String: String]) throws(KubernetesError)
        -> KubernetesClusterConfiguration
    {
        if let path = configuration.kubeconfig {
            return try .kubeconfig(path: path, context: configuration.kubeContext)
        }
        if KubernetesClusterConfiguration.isInCluster(environment: environment) {
            return try .inCluster(environment: environment)
        }
        let fallback =
            environment["KUBECONFIG"].flatMap { $0.split(separator: ":").first.map(String.init) }
            ?? environment["HOME"].map { "\($0)/.kube/config" }
        if let fallback, FileManager.default.fileExists(atPath: fallback) {
            return try .kubeconfig(path: fallback, context: configuration.kubeContext)
        }
        throw KubernetesError(
            .configuration,
            "--actuation \(configuration.actuation.rawValue) needs a cluster: run in a pod with a service account, or pass --kubeconfig"
        )
    }

    /// The actuation services, or `nil` with `--actuation disabled`.
    ///
    /// - Throws: ``KubernetesError`` for an unusable kubeconfig or service account; the server does not
    ///   start half-configured.
    func makeActuation(metrics: ScalerMetrics, environment: [String: String] = ProcessInfo.processInfo.environment) throws(KubernetesError)
        -> ActuationServices?
    {
        let configuration = self.configuration
        guard configuration.actuation != .disabled else {
            self.logger.info("actuation disabled: Prescale only answers KEDA (--actuation enabled or dry-run to scale up directly)")
            return nil
        }
        let cluster = try Self.clusterConfiguration(configuration, environment: environment)
        let client = try KubernetesClient(configuration: cluster)
        let identity = configuration.identity ?? environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName
        var elector: LeaseElector?
        metrics.setLeader(false)
        if configuration.leaderElection {
            elector = LeaseElector(
                configuration: .init(
                    namespace: configuration.leaseNamespace ?? cluster.namespace, name: configuration.leaseName, identity: identity),
                api: client,
                logger: self.logger,
                onChange: { metrics.setLeader($0) }
            )
        } else {
            metrics.setLeader(true)
        }
        let actuator = Actuator(
            configuration: .init(
                mode: configuration.actuation,
                minimumPatchInterval: configuration.actuationMinInterval,
                maximumStep: configuration.actuationMaxStep > 0 ? configuration.actuationMaxStep : nil
            ),
            api: client,
            leadership: elector ?? AlwaysLeader(),
            observer: metrics,
            logger: self.logger
        )
        self.logger.notice(
            "actuation \(configuration.actuation.rawValue)",
            metadata: [
                "apiServer": "\(cluster.server)",
                "runsAs": "\(cluster.identity)",
                "leaderElection":
                    "\(elector.map { "lease \($0.configuration.namespace)/\($0.configuration.name) as \(identity)" } ?? "disabled: this replica always actuates")",
                "minInterval": "\(configuration.actuationMinInterval)",
                "maxStep": "\(configuration.actuationMaxStep == 0 ? "none" : String(configuration.actuationMaxStep))",
            ]
        )
        let replicas = ReplicaWatcher(api: client, logger: self.logger)
        return ActuationServices(client: client, actuator: actuator, replicas: replicas, elector: elector)
    }
}
