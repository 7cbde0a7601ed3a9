/// A listener could not start or stopped unexpectedly; names the setting that configures it.
public struct ListenerError: Error, Sendable, CustomStringConvertible {
    /// The flag that sets the listener's address (`--grpc-address`, `--http-address`).
    public var setting: String
    /// The address it tried to use.
    public var address: HostAndPort
    /// What went wrong underneath.
    public var cause: String

    /// Wraps `error` from the listener configured by `setting`.
    public init(setting: String, address: HostAndPort, error: any Error) {
        self.setting = setting
        self.address = address
        let text = String(describing: error)
        if text.contains("Address already in use") {
            self.cause = "the address is already in use (is another process listening there?)"
        } else if text.contains("Cannot assign requested address") || text.contains("errno: 99") {
            self.cause = "the address is not one of this machine's"
        } else if text.contains("Permission denied") || text.contains("errno: 13") {
            self.cause = "permission denied (ports below 1024 need privileges)"
        } else {
            self.cause = text
        }
    }

    public var description: String {
        "cannot listen on \(self.setting) \(self.address): \(self.cause)"
    }
}
