import PrescaleCore
import Testing

@Suite("Trigger metadata parsing")
struct TriggerSpecParsingTests {
    @Test("a static trigger parses value, target and activationValue")
    func staticTrigger() throws {
        let spec = try TriggerSpec(metadata: [
            "source": "static", "value": "25", "target": "10", "activationValue": "3",
            "scalerAddress": "prescale.prescale.svc:6000",
        ])
        #expect(spec.kind == .static)
        #expect(spec.metricName == "static")
        #expect(spec.target == 10)
        #expect(spec.activationThreshold == 3)
        #expect(spec.source == .static(StaticSourceSpec(value: 25, target: 10, activationValue: 3)))
    }

    @Test("activationValue defaults to 0 and whitespace is trimmed")
    func defaults() throws {
        let spec = try TriggerSpec(metadata: ["source": " static ", "value": " 0 ", "target": "1"])
        #expect(spec.activationThreshold == 0)
        #expect(spec.source == .static(StaticSourceSpec(value: 0, target: 1)))
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var metadata: [String: String]
        var key: String
        var code: MetadataError.Code
        var messageContains: [String]
        var testDescription: String { "\(self.key): \(self.messageContains.joined(separator: " / "))" }
    }

    static let badCases: [BadCase] = [
        BadCase(metadata: [:], key: "source", code: .missingKey, messageContains: ["\"source\" is required", "static"]),
        BadCase(
            metadata: ["source": "kafak"], key: "source", code: .unknownSource,
            messageContains: ["\"kafak\" is not a known source", "allowed: one of static, kafka"]),
        BadCase(
            metadata: ["source": "static", "target": "1"], key: "value", code: .missingKey,
            messageContains: ["\"value\" is required", "a number >= 0"]),
        BadCase(
            metadata: ["source": "static", "value": "abc", "target": "1"], key: "value", code: .invalidValue,
            messageContains: ["\"abc\" is not allowed", "a number >= 0"]),
        BadCase(
            metadata: ["source": "static", "value": "-1", "target": "1"], key: "value", code: .invalidValue,
            messageContains: ["\"-1\""]),
        BadCase(
            metadata: ["source": "static", "value": "nan", "target": "1"], key: "value", code: .invalidValue,
            messageContains: ["\"nan\""]),
        BadCase(
            metadata: ["source": "static", "value": "inf", "target": "1"], key: "value", code: .invalidValue,
            messageContains: ["\"inf\""]),
        BadCase(
            metadata: ["source": "static", "value": "1", "target": "0"], key: "target", code: .invalidValue,
            messageContains: ["\"0\" is not allowed", "a number > 0"]),
        BadCase(
            metadata: ["source": "static", "value": "1"], key: "target", code: .missingKey,
            messageContains: ["\"target\" is required"]),
        BadCase(
            metadata: ["source": "static", "value": "1", "target": "2", "activationValue": "x"], key: "activationValue",
            code: .invalidValue, messageContains: ["\"x\""]),
        BadCase(
            metadata: ["source": "static", "value": "1", "target": "2", "activationValu": "3"], key: "activationValu",
            code: .suspectedTypo, messageContains: ["did you mean \"activationValue\""]),
        BadCase(
            metadata: ["source": "static", "value": "1", "target": "2", "Target": "3"], key: "Target",
            code: .suspectedTypo, messageContains: ["did you mean \"target\""]),
    ]

    @Test("bad metadata names the key, the value and what is allowed", arguments: badCases)
    func badMetadata(_ bad: BadCase) {
        #expect {
            _ = try TriggerSpec(metadata: bad.metadata)
        } throws: { error in
            guard let error = error as? MetadataError else { return false }
            let message = error.description
            return error.key == bad.key && error.code == bad.code
                && bad.messageContains.allSatisfy { message.contains($0) }
        }
    }

    @Test("unknown keys far from any known key are tolerated, as KEDA forwards its own")
    func unknownKeysTolerated() throws {
        // Throwing fails the test; the keys Prescale knows are still read.
        let spec = try TriggerSpec(metadata: [
            "source": "static", "value": "1", "target": "2", "scalerAddress": "x:6000", "enableTLS": "false",
            "somethingElse": "y",
        ])
        #expect(spec.target == 2)
    }

    @Test("a huge bad value is shortened in the message")
    func hugeValueShortened() {
        let huge = String(repeating: "9x", count: 10_000)
        #expect {
            _ = try TriggerSpec(metadata: ["source": "static", "value": huge, "target": "1"])
        } throws: { error in
            (error as? MetadataError).map { $0.description.utf8.count < 300 } ?? false
        }
    }
}
