import CGRPCCore

#if canImport(Glibc)
    import Glibc
#endif

/// A closure to run on a thread of its own.
private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// Runs `body` on a new POSIX thread: never the Swift pool, since pollers block in gRPC core.
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    var thread = pthread_t()
    pthread_create(
        &thread, nil,
        { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, Unmanaged.passRetained(ThreadBody(body)).toOpaque())
    return thread
}

/// Takes `queue`'s events until it is shut down: `shutdownNoticed` for the server's shutdown
/// notification (its tag is nil), `completed` with the tag and success of every other event.
func poll(
    _ queue: OpaquePointer, shutdownNoticed: () -> Void, completed: (_ tag: UnsafeMutableRawPointer, _ success: Bool) -> Void
) {
    while true {
        let event = grpc_completion_queue_next(queue, pgc_forever(), nil)
        if event.type == GRPC_QUEUE_SHUTDOWN { return }
        guard event.type == GRPC_OP_COMPLETE else { continue }
        guard let tag = event.tag else {
            shutdownNoticed()
            continue
        }
        completed(tag, event.success != 0)
    }
}
