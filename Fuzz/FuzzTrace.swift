import PrescaleSimulator

// libFuzzer target: the trace readers of `prescale simulate` (every format) on arbitrary text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var reader = TraceReader()
    reader.limitSeconds = 3_600
    _ = try? reader.read(text, name: "fuzz")
    return 0
}
