import Foundation
import PrescaleCore

#if canImport(Glibc)
    import Glibc
#endif

extension Serve {
    /// The most malloc arenas `serve` uses, unless `MALLOC_ARENA_MAX` is set.
    static let mallocArenas: Int32 = 4
    /// `M_ARENA_MAX` of glibc's `<malloc.h>`, which the Glibc module does not import.
    static let mallocArenaMaxOption: Int32 = -8

    /// Caps glibc's malloc arenas. glibc gives new threads their own arena, up to eight per core, and
    /// librdkafka starts and stops threads with every Kafka client; under ScaledObject churn the heap then
    /// spread over ever more arenas and RSS kept growing (docs/reliability.md: +6.6% in five minutes, still
    /// rising, against flat with four arenas). `MALLOC_ARENA_MAX` in the environment still decides.
    ///
    /// - Returns: what the startup log says about it.
    static func limitMallocArenas(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let configured = environment["MALLOC_ARENA_MAX"] { return "at most \(configured) (MALLOC_ARENA_MAX)" }
        #if canImport(Glibc)
            if let symbol = dlsym(nil, "mallopt") {
                typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
                if unsafeBitCast(symbol, to: Mallopt.self)(Self.mallocArenaMaxOption, Self.mallocArenas) == 1 {
                    return "at most \(Self.mallocArenas)"
                }
            }
        #endif
        return "the C library's default"
    }

    /// How often `serve` hands free heap pages back to the kernel.
    static let heapTrimInterval: Duration = .seconds(30)

    /// glibc's `malloc_trim`, if the C library has it.
    typealias MallocTrim = @convention(c) (Int) -> Int32
    static let mallocTrim: MallocTrim? = {
        #if canImport(Glibc)
            if let symbol = dlsym(nil, "malloc_trim") { return unsafeBitCast(symbol, to: MallocTrim.self) }
        #endif
        return nil
    }()

    /// What the startup log says about heap trimming.
    static var heapTrimDescription: String {
        Self.mallocTrim == nil ? "unavailable" : "every \(Int(Self.heapTrimInterval.inSeconds)) s"
    }

    /// Calls `malloc_trim(0)` every ``heapTrimInterval`` until cancelled.
    ///
    /// Capped arenas stop the heap from spreading over new ones, but each arena still keeps the pages of
    /// chunks freed under churn (a Kafka client's buffers, a trigger's rings) until a neighbour is freed
    /// too, so RSS climbed to a plateau about 14% over the warm-up figure in a 30-minute churn soak.
    /// `malloc_trim` gives whole free pages inside every arena back (`madvise`), taking each arena's lock
    /// while it walks it (docs/reliability.md has the soak with and without it).
    static func trimHeapPeriodically() async {
        guard let trim = Self.mallocTrim else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.heapTrimInterval) } catch { return }
            _ = trim(0)
        }
    }
}
