import PrescaleCore
import ServiceLifecycle

/// What ``ScalerServer`` runs against the outside world, known to it only through the protocols of
/// PrescaleCore. `PrescaleApp` builds the shipped set from a ``ServerConfiguration`` (the Kafka and MQTT
/// pools, the Kubernetes replica watcher, actuator and learned-state store); tests build their own.
public struct ServerAdapters: Sendable {
    /// Builds each trigger's source from its spec.
    public var sources: any MetricSourceFactory
    /// The broker connections' state for `/metrics`, when a source keeps broker connections.
    public var brokers: (any BrokerSnapshots)?
    /// The targets' ready replicas, from which predicting triggers learn their per-replica capacity.
    /// `nil` without a cluster: they then learn nothing.
    public var replicaCounts: (any ReplicaCounts)?
    /// Where decisions of `actuate: "true"` triggers go. `nil` unless direct actuation is on.
    public var actuator: (any ActuationDemands)?
    /// Where what predicting triggers learn is kept across restarts. `nil` keeps it in memory only.
    public var learnedState: (any LearnedStateStorage)?
    /// The adapters' own services (source pools, replica watcher, lease elector, actuator), in start
    /// order. They start before the trigger registry and stop after it.
    public var services: [any Service]

    /// Creates the set. Every adapter but the sources is optional.
    public init(
        sources: any MetricSourceFactory,
        brokers: (any BrokerSnapshots)? = nil,
        replicaCounts: (any ReplicaCounts)? = nil,
        actuator: (any ActuationDemands)? = nil,
        learnedState: (any LearnedStateStorage)? = nil,
        services: [any Service] = []
    ) {
        self.sources = sources
        self.brokers = brokers
        self.replicaCounts = replicaCounts
        self.actuator = actuator
        self.learnedState = learnedState
        self.services = services
    }
}
