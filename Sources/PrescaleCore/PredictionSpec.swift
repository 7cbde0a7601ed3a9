/// How a trigger's value is predicted: the prediction keys shared by every source that has a time
/// series (`kafka`, `mqtt`).
///
/// | key | rule |
/// |---|---|
/// | `predict` | bool, default `true`; `false` reports exactly the reactive value |
/// | `coldStartSeconds` | default 5, 0 to 600: from a pod being created to it consuming |
/// | `leadTimeSeconds` | default `hpaSyncSeconds` (15) + `coldStartSeconds`, 1 to 3600 |
/// | `predictQuantile` | default 0.9, greater than 0 and less than 1 |
/// | `messagesPerReplicaPerSecond` | a number > 0; enables rate mode |
/// | `drainSeconds` | default 30, 1 to 86400: how fast rate mode drains the existing backlog |
public struct PredictionSpec: Sendable, Hashable {
    /// The HPA's default sync period, the first part of the default lead time.
    public static let hpaSyncSeconds: Double = 15

    /// `predict`: whether to predict at all.
    public var enabled: Bool
    /// `coldStartSeconds`.
    public var coldStartSeconds: Double
    /// `leadTimeSeconds`: how far ahead to look; by default the HPA sync plus the cold start, the time
    /// from a decision to ready replicas.
    public var leadTimeSeconds: Double
    /// `predictQuantile`: the quantile of recent forecast residuals added as headroom.
    public var quantile: Double
    /// `messagesPerReplicaPerSecond`: when set, rate mode.
    public var messagesPerReplicaPerSecond: Double?
    /// `drainSeconds`.
    public var drainSeconds: Double

    /// Creates a spec; the lead time defaults to the HPA sync plus `coldStartSeconds`.
    public init(
        enabled: Bool = true,
        coldStartSeconds: Double = 5,
        leadTimeSeconds: Double? = nil,
        quantile: Double = 0.9,
        messagesPerReplicaPerSecond: Double? = nil,
        drainSeconds: Double = 30
    ) {
        self.enabled = enabled
        self.coldStartSeconds = coldStartSeconds
        self.leadTimeSeconds = leadTimeSeconds ?? (Self.hpaSyncSeconds + coldStartSeconds)
        self.quantile = quantile
        self.messagesPerReplicaPerSecond = messagesPerReplicaPerSecond
        self.drainSeconds = drainSeconds
    }

    /// Every key read.
    public static let keys: Set<String> = [
        "predict", "coldStartSeconds", "leadTimeSeconds", "predictQuantile", "messagesPerReplicaPerSecond", "drainSeconds",
    ]

    /// Parses the prediction keys.
    public init(metadata reader: MetadataReader) throws(MetadataError) {
        let coldStart = try reader.double("coldStartSeconds", default: 5, in: .between(0, 600))
        self.init(
            enabled: try reader.bool("predict", default: true),
            coldStartSeconds: coldStart,
            leadTimeSeconds: try reader.double("leadTimeSeconds", default: Self.hpaSyncSeconds + coldStart, in: .between(1, 3_600)),
            quantile: try reader.double("predictQuantile", default: 0.9, in: NumberRange(lowerBound: 0, lowerInclusive: false, upperBound: 0.999)),
            messagesPerReplicaPerSecond: try reader.string("messagesPerReplicaPerSecond") == nil
                ? nil : reader.double("messagesPerReplicaPerSecond", default: nil, in: .positive),
            drainSeconds: try reader.double("drainSeconds", default: 30, in: .between(1, 86_400))
        )
    }
}
