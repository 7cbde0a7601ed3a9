/// Prescale's release version: the one place it is written. `prescale --version`, the
/// `prescale_build_info` metric and the startup log read it; CI checks that CHANGELOG.md's newest entry,
/// the Dockerfile's OCI label and the Helm chart's `appVersion` name the same version.
public enum PrescaleVersion {
    /// The version, semantic-versioning style.
    public static let current = "0.17.0"
}
