import PrescaleCore
import PrescaleKafka
import PrescaleMQTT
import PrescaleServer

/// Builds the sources that ship with the server: `static`, `kafka` through a shared sampler pool and
/// `mqtt` through a shared connection pool.
public struct BuiltInSourceFactory: MetricSourceFactory {
    /// Where Kafka clients and samplers live; run it as a service next to the registry.
    public let kafka: KafkaSamplerPool
    /// Where MQTT connections live; run it as a service next to the registry.
    public let mqtt: MQTTConnectionPool

    /// Creates the factory over pools that the caller runs (``ScalerServer`` runs both as services).
    public init(kafka: KafkaSamplerPool, mqtt: MQTTConnectionPool) {
        self.kafka = kafka
        self.mqtt = mqtt
    }

    /// The source kinds this factory builds, for the startup log.
    public static var kinds: String { SourceKind.allCases.map(\.rawValue).joined(separator: ",") }

    public func makeSource(for spec: TriggerSpec, namespace: String) throws(ScalerError) -> any MetricSource {
        switch spec.source {
        case .static(let staticSpec):
            return StaticSource(spec: staticSpec)
        case .kafka(let kafkaSpec):
            return KafkaSource(spec: kafkaSpec, pool: self.kafka)
        case .mqtt(let mqttSpec):
            return MQTTSource(spec: mqttSpec, pool: self.mqtt)
        }
    }
}
