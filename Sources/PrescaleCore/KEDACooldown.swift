/// KEDA's `cooldownPeriod`: how long every trigger of a ScaledObject must have been inactive before KEDA
/// scales its target to zero.
public enum KEDACooldown {
    /// KEDA's default, when a ScaledObject sets none.
    public static let kedaDefaultSeconds = 300
    /// What Prescale's ScaledObjects ship (deploy/keda/scaledobject-kafka.yaml; `prescale migrate` adds it
    /// where a ScaledObject sets none). A runtime that starts in milliseconds makes a replica idling
    /// through KEDA's five minutes the main cost of a sparse function: on the simulator's sparse
    /// scenario (bursts 1 to 30 minutes apart) 60 s costs a quarter of 300 s at the same p99 wait, and
    /// less than Knative's KPA (60 s stable window plus 30 s grace).
    public static let prescaleSeconds = 60
}
