import PrescaleCore

extension TriggerRegistry {
    /// How the registry keeps and forgets triggers.
    public struct Configuration: Sendable {
        /// A trigger nobody has asked about for this long, and with no open push stream, is evicted so
        /// that deleted ScaledObjects do not leak memory or broker connections.
        /// Default: 10 minutes, well above KEDA's 30 s polling interval and the HPA's 15 s sync.
        public var idleTimeout: Duration
        /// How often the registry looks for idle triggers. Default: 30 seconds.
        public var sweepInterval: Duration
        /// The most triggers the registry holds at once; past it new triggers get `RESOURCE_EXHAUSTED`.
        /// Default: 10,000.
        public var maximumTriggers: Int
        /// The most triggers one namespace may hold, so that one team's ScaledObjects cannot take every
        /// slot. Default: 1,000.
        public var maximumTriggersPerNamespace: Int
        /// The most keys in one trigger's metadata. Default: 128.
        public var maximumMetadataKeys: Int
        /// The most bytes (keys plus values) in one trigger's metadata. Default: 65,536.
        public var maximumMetadataBytes: Int
        /// Which credential files and brokers a ScaledObject may use. Default: no restriction.
        public var tenantPolicy: TenantPolicy
        /// The HPA controller's sync period in the cluster, given to every predicting trigger
        /// (``PredictionSpec/hpaSyncPeriod``). Default: Kubernetes' 15 s.
        public var hpaSyncSeconds: Double

        /// Creates a configuration; every argument has the default documented on its property.
        public init(
            idleTimeout: Duration = .seconds(600),
            sweepInterval: Duration = .seconds(30),
            maximumTriggers: Int = 10_000,
            maximumTriggersPerNamespace: Int = 1_000,
            maximumMetadataKeys: Int = 128,
            maximumMetadataBytes: Int = 65_536,
            tenantPolicy: TenantPolicy = TenantPolicy(),
            hpaSyncSeconds: Double = PredictionSpec.defaultHPASyncSeconds
        ) {
            self.hpaSyncSeconds = hpaSyncSeconds
            self.idleTimeout = idleTimeout
            self.sweepInterval = sweepInterval
            self.maximumTriggers = maximumTriggers
            self.maximumTriggersPerNamespace = maximumTriggersPerNamespace
            self.maximumMetadataKeys = maximumMetadataKeys
            self.maximumMetadataBytes = maximumMetadataBytes
            self.tenantPolicy = tenantPolicy
        }
    }
}
