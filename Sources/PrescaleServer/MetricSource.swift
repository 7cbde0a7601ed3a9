import PrescaleCore

/// Builds the source for a parsed trigger. The registry calls it once per new trigger.
public protocol MetricSourceFactory: Sendable {
    /// The source for `spec`, or an error naming the metadata at fault.
    func makeSource(for spec: TriggerSpec, namespace: String) throws(ScalerError) -> any MetricSource
}
