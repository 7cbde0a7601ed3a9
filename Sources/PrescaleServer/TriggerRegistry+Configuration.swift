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

        /// Creates a configuration; every argument has the default documented on its property.
        public init(
            idleTimeout: Duration = .seconds(600),
            sweepInterval: Duration = .seconds(30),
            maximumTriggers: Int = 10_000
        ) {
            self.idleTimeout = idleTimeout
            self.sweepInterval = sweepInterval
            self.maximumTriggers = maximumTriggers
        }
    }
}
