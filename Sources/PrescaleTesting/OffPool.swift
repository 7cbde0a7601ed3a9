import Dispatch

/// Runs blocking test-support work (process start-up polls, `waitpid`, waiting for acknowledgements)
/// on a dispatch thread and resumes the caller when it is done.
///
/// Swift Testing runs suites in parallel on the cooperative pool, which has one thread per core (two
/// here). A `usleep` loop on it stalls every other test's tasks; on a dispatch thread it stalls only itself.
func offPool<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Swift.Result { try body() })
        }
    }
}
