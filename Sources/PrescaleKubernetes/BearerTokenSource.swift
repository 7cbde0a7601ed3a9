import Foundation
import Synchronization

/// The bearer token to send, re-read from its file when older than the refresh interval or after the
/// API server answered 401 (bound service-account tokens rotate under a running pod).
///
/// The token never leaves this type except as the `Authorization` header value.
final class BearerTokenSource: Sendable {
    private struct Cached {
        var token: String
        var readAt: ContinuousClock.Instant
    }

    private enum Origin {
        case fixed(String)
        case file(path: String, refreshInterval: Duration)
    }

    private let origin: Origin
    private let cached = Mutex<Cached?>(nil)

    /// A token that never changes.
    init(fixed token: String) {
        self.origin = .fixed(token)
    }

    /// A token file re-read every `refreshInterval`.
    init(path: String, refreshInterval: Duration) {
        self.origin = .file(path: path, refreshInterval: refreshInterval)
    }

    /// The `Authorization` header value.
    func authorization() throws(KubernetesError) -> String {
        switch self.origin {
        case .fixed(let token):
            return "Bearer \(token)"
        case .file(let path, let refreshInterval):
            let now = ContinuousClock.now
            if let cached = self.cached.withLock({ $0 }), now - cached.readAt < refreshInterval {
                return "Bearer \(cached.token)"
            }
            let bytes = try KubernetesClusterConfiguration.readFile(path, what: "the bearer token")
            let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw KubernetesError(.configuration, "the bearer token file \(path) is empty", context: ["path": path])
            }
            self.cached.withLock { $0 = Cached(token: token, readAt: now) }
            return "Bearer \(token)"
        }
    }

    /// Forgets the cached token so that the next request reads the file again. Returns whether there is
    /// a file to re-read (a fixed token cannot change).
    func invalidate() -> Bool {
        guard case .file = self.origin else { return false }
        self.cached.withLock { $0 = nil }
        return true
    }
}
