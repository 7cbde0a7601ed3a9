import Foundation
import Logging
import PrescaleCore
import PrescaleKubernetes
import PrescaleServer
import ServiceLifecycle

/// What `prescale serve` runs against the cluster: the client and the replica watcher that lets
/// predicting triggers learn their per-replica capacity (every mode but `disabled`), and for direct
/// actuation the actuator and, with leader election, the Lease elector.
public struct ClusterServices: Sendable {
    /// The API client; shut it down after the services have stopped.
    public let client: KubernetesClient
    /// Reads the targets' ready replicas.
    public let replicas: ReplicaWatcher
    /// Patches targets up, with `--actuation enabled` or `dry-run`.
    public let actuator: Actuator?
    /// Holds the Lease, with leader election on.
    public let elector: LeaseElector?
    /// Where learned state is kept, unless `--learned-state disabled`.
    public let learnedState: LearnedStateStore?

    /// The services to run, in start order.
    public var services: [any Service] {
        var services: [any Service] = []
        if let elector = self.elector { services.append(elector) }
        services.append(self.replicas)
        if let actuator = self.actuator { services.append(actuator) }
        return services
    }
}

extension ClusterServices {
    /// The cluster: `--kubeconfig`, else the pod's service account, else (not for `auto`, which must not
    /// reach for a developer's own cluster) `$KUBECONFIG` or `~/.kube/config`. `nil` when `auto` finds none.
    public static func clusterConfiguration(_ configuration: ServerConfiguration, environment: [String: String]) throws(KubernetesError)
        -> KubernetesClusterConfiguration?
    {
        if let path = configuration.kubeconfig {
            return try .kubeconfig(path: path, context: configuration.kubeContext)
        }
        if KubernetesClusterConfiguration.isInCluster(environment: environment) {
            return try .inCluster(environment: environment, serviceAccountDirectory: configuration.serviceAccountDirectory)
        }
        if configuration.actuation == .auto { return nil }
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

    /// The cluster services, or `nil` when there is no cluster to read (`disabled`, or `auto` outside a
    /// pod without `--kubeconfig`, or `auto` with unusable credentials, which is logged).
    ///
    /// - Throws: ``KubernetesError`` for an unusable kubeconfig or service account with an explicit mode;
    ///   the server does not start half-configured.
    public static func make(
        _ configuration: ServerConfiguration, metrics: ScalerMetrics, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubernetesError) -> ClusterServices? {
        let noSource = "predicting triggers answer with KEDA's value unless they set messagesPerReplicaPerSecond"
        guard configuration.actuation != .disabled else {
            logger.notice("actuation disabled: no replica source, so \(noSource)")
            return nil
        }
        let cluster: KubernetesClusterConfiguration
        let client: KubernetesClient
        do throws(KubernetesError) {
            guard let found = try Self.clusterConfiguration(configuration, environment: environment) else {
                logger.notice(
                    "actuation auto: no cluster found (not in a pod, no --kubeconfig), so no replica source: \(noSource)")
                return nil
            }
            cluster = found
            client = try KubernetesClient(configuration: cluster)
        } catch  where configuration.actuation == .auto {
            logger.warning(
                "actuation auto: the cluster's credentials are unusable (\(error.message)), so no replica source: \(noSource)")
            return nil
        }
        let mode = configuration.actuation == .auto ? ActuationMode.readOnly : configuration.actuation
        let replicas = ReplicaWatcher(api: client, logger: logger)
        let learnedState = configuration.learnedState.map {
            LearnedStateStore(configuration: .init(namespace: cluster.namespace, prefix: $0), api: client, logger: logger)
        }
        guard mode.actuates else {
            logger.notice(
                "actuation \(configuration.actuation == .auto ? "auto: read-only" : mode.rawValue): reading ScaledObjects and their targets' ready replicas to learn capacity, patching nothing",
                metadata: [
                    "apiServer": "\(cluster.server)", "runsAs": "\(cluster.identity)",
                    "learnedState": "\(learnedState?.location ?? "in memory only")",
                ]
            )
            return ClusterServices(client: client, replicas: replicas, actuator: nil, elector: nil, learnedState: learnedState)
        }
        let identity = configuration.identity ?? environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName
        var elector: LeaseElector?
        metrics.setLeader(false)
        if configuration.leaderElection {
            elector = LeaseElector(
                configuration: .init(
                    namespace: configuration.leaseNamespace ?? cluster.namespace, name: configuration.leaseName, identity: identity),
                api: client,
                logger: logger,
                onChange: { metrics.setLeader($0) }
            )
        } else {
            metrics.setLeader(true)
        }
        let actuator = Actuator(
            configuration: .init(
                mode: mode,
                minimumPatchInterval: configuration.actuationMinInterval,
                maximumStep: configuration.actuationMaxStep > 0 ? configuration.actuationMaxStep : nil
            ),
            api: client,
            leadership: elector ?? AlwaysLeader(),
            observer: metrics,
            logger: logger
        )
        logger.notice(
            "actuation \(mode.rawValue)",
            metadata: [
                "apiServer": "\(cluster.server)",
                "runsAs": "\(cluster.identity)",
                "leaderElection":
                    "\(elector.map { "lease \($0.configuration.namespace)/\($0.configuration.name) as \(identity)" } ?? "disabled: this replica always actuates")",
                "minInterval": "\(configuration.actuationMinInterval)",
                "maxStep": "\(configuration.actuationMaxStep == 0 ? "none" : String(configuration.actuationMaxStep))",
            ]
        )
        return ClusterServices(client: client, replicas: replicas, actuator: actuator, elector: elector, learnedState: learnedState)
    }
}
