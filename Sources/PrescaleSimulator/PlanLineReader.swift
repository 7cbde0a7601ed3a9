import Foundation
import PrescaleCore

/// Reads one line of `prescale plan`'s input: a JSON object of numbers (`t`, `backlog`, `arrived`,
/// `consumed`, …) into a ``PlanObservation``; anything else is a ``PlanInputError`` naming the line.
public enum PlanLineReader {
    /// Parses `line` (1-based `number`, for messages).
    public static func observation(_ line: String, number: Int) throws(PlanInputError) -> PlanObservation {
        guard let object = try? JSONDecoder().decode([String: Field].self, from: Data(line.utf8)) else {
            throw PlanInputError(line: number, message: "not a JSON object: \(line.prefix(80))")
        }
        var numbers: [String: Double] = [:]
        var others: [String] = []
        for (key, value) in object {
            if case .number(let number) = value {
                numbers[key] = number
            } else {
                others.append(key)
            }
        }
        return try PlanObservation(numbers: numbers, otherKeys: others, line: number)
    }

    /// A field of an input line: a number, or anything else (refused for the known keys).
    enum Field: Decodable {
        case number(Double)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else {
                self = .other
            }
        }
    }
}
