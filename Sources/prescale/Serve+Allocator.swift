import Foundation

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
}
