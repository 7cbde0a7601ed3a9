import Testing

@testable import PrescaleSimulator

/// Inputs the fuzzer (scripts/fuzz trace) found or that probe the same limits: each must be a clear
/// error naming the line, never a trap or an unbounded allocation.
@Suite("Trace reader: fuzzing regressions")
struct TraceReaderFuzzRegressionTests {
    @Test(
        "crafted timestamps and counts are read errors naming the line",
        arguments: [
            // Found by libFuzzer: seconds "04.0e81490" parsed as infinity, then converted to Int (trap).
            (
                "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n2023-11-16 18:17:04.0e81490,110,27\n",
                "line 3"
            ),
            ("TIMESTAMP,A\n2023-11-16 18:17:03.5,1\n9999999999999999999-01-01 00:00:00,1\n", "line 3"),
            ("TIMESTAMP,A\n2023-11-16 99:17:03.5,1\n", "line 2"),
            ("TIMESTAMP,A\n2023-11-16 18:17:nan,1\n", "line 2"),
            ("TIMESTAMP,A\n1998-01-01 00:00:00,1\n2023-11-16 18:17:00,1\n", "366 days"),
            ("second,count\n0,inf\n", "line 2"),
            ("second,count\n0,1e300\n", "line 2"),
            ("period,count\n1998-04-30 21:30:00,nan\n", "line 2"),
        ])
    func refused(_ text: String, _ fragment: String) {
        let error = #expect(throws: TraceReader.ReadError.self) { try TraceReader().read(text, name: "t") }
        #expect(error.map { "\($0)".contains(fragment) } == true, "\(String(describing: error))")
    }
}
