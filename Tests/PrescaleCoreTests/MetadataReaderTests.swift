import Testing

@testable import PrescaleCore

@Suite("Metadata reader")
struct MetadataReaderTests {
    enum Policy: String, CaseIterable, Sendable { case latest, earliest }

    @Test(
        "booleans accept Go's ParseBool spellings and refuse others",
        arguments: [
            ("true", true), ("True", true), ("1", true), ("t", true), ("false", false), ("FALSE", false), ("0", false),
        ])
    func booleans(_ text: String, _ expected: Bool) throws {
        #expect(try MetadataReader(["flag": text]).bool("flag", default: !expected) == expected)
    }

    @Test("a boolean that does not parse is an error naming the key")
    func badBoolean() {
        #expect(throws: MetadataError(.invalidValue, key: "flag", value: "yes", allowed: "\"true\" or \"false\"")) {
            _ = try MetadataReader(["flag": "yes"]).bool("flag", default: false)
        }
    }

    @Test("choices list every allowed value")
    func choices() throws {
        #expect(try MetadataReader(["p": "earliest"]).choice("p", default: Policy.latest) == .earliest)
        #expect(try MetadataReader([:]).choice("p", default: Policy.latest) == .latest)
        #expect {
            _ = try MetadataReader(["p": "newest"]).choice("p", default: Policy.latest)
        } throws: { error in
            (error as? MetadataError)?.description
                == "metadata key \"p\": \"newest\" is not allowed; allowed: one of \"latest\", \"earliest\""
        }
    }

    @Test("integers are checked against their range")
    func integers() throws {
        #expect(try MetadataReader(["n": "30"]).integer("n", default: 1, in: 1...3600) == 30)
        #expect(throws: MetadataError.self) { try MetadataReader(["n": "0"]).integer("n", default: 1, in: 1...3600) }
        #expect(throws: MetadataError.self) { try MetadataReader(["n": "1.5"]).integer("n", default: 1, in: 1...3600) }
    }

    @Test("number ranges describe themselves")
    func rangeDescriptions() {
        #expect(NumberRange.positive.description == "a number > 0")
        #expect(NumberRange.nonNegative.description == "a number >= 0")
        #expect(NumberRange.between(1, 3600).description == "a number from 1 to 3600")
        #expect(NumberRange.between(0, 1).contains(1))
        #expect(!NumberRange.positive.contains(0))
    }

    @Test(
        "edit distance is bounded",
        arguments: [
            ("activationvalue", "activationvalu", true), ("target", "targte", true), ("target", "value", false),
            ("", "ab", true), ("", "abc", false), ("abc", "", false),
        ])
    func editDistance(_ a: String, _ b: String, _ close: Bool) {
        #expect(EditDistance.atMost(2, a, b) == close)
    }
}
