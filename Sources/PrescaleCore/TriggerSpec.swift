/// Everything Prescale knows about one KEDA trigger after parsing its metadata once.
///
/// A spec is pure data: it names the source and its settings, the metric name returned to KEDA and the
/// activation threshold. Building one never touches the network.
public struct TriggerSpec: Sendable, Hashable {
    /// The source-specific settings.
    public enum Source: Sendable, Hashable {
        /// `source: static`.
        case `static`(StaticSourceSpec)
        /// `source: kafka`.
        case kafka(KafkaTriggerSpec)
        /// `source: mqtt`.
        case mqtt(MQTTTriggerSpec)
    }

    /// The source and its settings.
    public var source: Source
    /// The metric name returned in `GetMetricSpec` (lower case, `[a-z0-9-]`).
    public var metricName: String
    /// The target value per replica (`targetSizeFloat`).
    public var target: Double
    /// The trigger is active when the value is strictly greater than this.
    public var activationThreshold: Double
    /// Prediction settings, for sources with a time series (`kafka`, `mqtt`); `nil` for `static`.
    public var prediction: PredictionSpec?
    /// `actuate`: whether Prescale itself scales this trigger's target up (default `false`). Allowed
    /// only when the server runs with `--actuation enabled` or `dry-run`.
    public var actuate: Bool = false

    /// Metadata keys every source reads besides its own.
    public static let commonKeys: Set<String> = ["actuate"]

    /// Creates a spec.
    public init(
        source: Source,
        metricName: String,
        target: Double,
        activationThreshold: Double,
        prediction: PredictionSpec? = nil
    ) {
        self.source = source
        self.metricName = metricName
        self.target = target
        self.activationThreshold = activationThreshold
        self.prediction = prediction
    }

    /// The planner this trigger runs: ``PredictivePlanner`` when prediction is on, else
    /// ``ReactivePlanner``.
    public func makePlanner() -> any Planner {
        if let prediction, prediction.enabled {
            return PredictivePlanner(spec: self, prediction: prediction)
        }
        return ReactivePlanner(spec: self)
    }

    /// The kind of source.
    public var kind: SourceKind {
        switch self.source {
        case .static: return .static
        case .kafka: return .kafka
        case .mqtt: return .mqtt
        }
    }
}

extension TriggerSpec {
    /// Parses a trigger's metadata map as KEDA sends it in `ScaledObjectRef.scalerMetadata`.
    ///
    /// - Throws: ``MetadataError`` naming the first key at fault.
    public init(metadata: [String: String]) throws(MetadataError) {
        let reader = MetadataReader(metadata)
        let allowedSources = SourceKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let sourceName = reader.string(SourceKind.metadataKey) else {
            throw MetadataError(.missingKey, key: SourceKind.metadataKey, allowed: "one of \(allowedSources)")
        }
        guard let kind = SourceKind(rawValue: sourceName.lowercased()) else {
            throw MetadataError(
                .unknownSource,
                key: SourceKind.metadataKey,
                value: sourceName,
                allowed: "one of \(allowedSources)"
            )
        }
        let actuate = try reader.bool("actuate", default: false)
        switch kind {
        case .static:
            let spec = try StaticSourceSpec(metadata: reader)
            self.init(
                source: .static(spec),
                metricName: "static",
                target: spec.target,
                activationThreshold: spec.activationValue
            )
        case .kafka:
            let spec = try KafkaTriggerSpec(metadata: reader)
            self.init(
                source: .kafka(spec),
                metricName: spec.metricName,
                target: Double(spec.lagThreshold),
                activationThreshold: Double(spec.activationLagThreshold),
                prediction: try PredictionSpec(metadata: reader, direct: actuate)
            )
        case .mqtt:
            let spec = try MQTTTriggerSpec(metadata: reader)
            self.init(
                source: .mqtt(spec),
                metricName: spec.metricName,
                target: spec.queryValue,
                activationThreshold: spec.activationQueryValue,
                prediction: try PredictionSpec(metadata: reader, direct: actuate)
            )
        }
        self.actuate = actuate
    }
}
