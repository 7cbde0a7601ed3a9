import Testing

@testable import PrescaleSimulator

@Suite("Trace formats")
struct TraceReaderTests {
    @Test("per request: counted per second from the first timestamp, across midnight")
    func requests() throws {
        let text =
            "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-12-31 23:59:59.5,1,1\n2023-12-31 23:59:59.9,1,1\n2024-01-01 00:00:01.2,1,1\n"
        let series = try TraceReader().read(text, name: "t")
        // Seconds since the first request: 0.0, 0.4 and 1.7.
        #expect(series.perSecond == [2, 1])
    }

    @Test("per minute: seeded Poisson arrivals that sum close to the scaled counts")
    func perMinute() throws {
        var reader = TraceReader()
        reader.scale = 0.5
        let text = "period,count\n1998-04-30 21:30:00,1200\n1998-04-30 21:31:00,0\n"
        let series = try reader.read(text, name: "t")
        #expect(series.perSecond.count == 120)
        #expect(abs(series.perSecond.prefix(60).reduce(0, +) - 600) < 100)
        #expect(series.perSecond.suffix(60).allSatisfy { $0 == 0 })
        #expect(try reader.read(text, name: "t") == series)
    }

    @Test("per second and the Azure Functions 2019 wide format")
    func perSecondAndAzure() throws {
        #expect(try TraceReader().read("second,count\n0,3\n1,0\n2,7\n", name: "t").perSecond == [3, 0, 7])
        var reader = TraceReader()
        reader.row = 2
        let header = "HashOwner,HashApp,HashFunction,Trigger," + (1...3).map(String.init).joined(separator: ",")
        let series = try reader.read("\(header)\na,b,c,http,0,0,0\nd,e,f,queue,60,0,0\n", name: "azure")
        #expect(series.perSecond.count == 180)
        #expect(series.perSecond.suffix(120).allSatisfy { $0 == 0 })
        #expect(series.perSecond.prefix(60).reduce(0, +) > 30)
    }

    @Test(
        "bad traces name the line",
        arguments: [
            ("TIMESTAMP,a\nyesterday,1\n", "line 2"),
            ("period,count\n1998-04-30 21:30:00,lots\n", "line 2"),
            ("second,count\n0,1\n1,-4\n", "line 3"),
            ("when,what\n", "unknown header"),
            ("", "empty"),
        ])
    func bad(text: String, fragment: String) {
        #expect {
            _ = try TraceReader().read(text, name: "t")
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }

    @Test("skip and limit cut the series")
    func window() throws {
        var reader = TraceReader()
        reader.skipSeconds = 1
        reader.limitSeconds = 2
        #expect(try reader.read("second,count\n0,1\n1,2\n2,3\n3,4\n", name: "t").perSecond == [2, 3])
    }
}
