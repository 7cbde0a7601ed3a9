/// One trigger's learned state, as kept: which trigger it belongs to and what it learned.
public struct LearnedStateRecord: Sendable, Hashable {
    /// The ConfigMap data key: `<namespace>.<scaledobject>.<hash of the trigger's metadata, hex>`. A
    /// trigger whose metadata changes is a new trigger and learns afresh.
    public var key: String
    /// `<namespace>/<scaledobject>/<metric>`, stored beside the state and checked on read, so that an
    /// entry is never applied to another trigger.
    public var identity: String
    /// What it learned.
    public var state: LearnedState

    /// Creates a record.
    public init(key: String, identity: String, state: LearnedState) {
        self.key = key
        self.identity = identity
        self.state = state
    }
}

/// Where what predicting triggers learn is kept across restarts: ConfigMaps in a cluster
/// (PrescaleKubernetes' `LearnedStateStore`), or a test double.
public protocol LearnedStateStorage: Sendable {
    /// Where the state is kept, for the startup log (e.g. `ConfigMaps prescale/prescale-learned-0…3`).
    var location: String { get }
    /// Reads what was kept, once, before any trigger asks; a part that cannot be read is logged and skipped.
    func load() async
    /// The state saved for the trigger under `key`, if it is the trigger named `identity` and can be trusted.
    func saved(key: String, identity: String) -> LearnedState?
    /// Keeps `records`, each replacing what was kept under its key.
    func write(_ records: [LearnedStateRecord]) async
}
