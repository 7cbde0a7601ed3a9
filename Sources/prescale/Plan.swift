import ArgumentParser
import Foundation
import PrescaleCore

/// `prescale plan`: recorded observations in, the planner's decisions out, one JSON line each.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay recorded observations through the planner the server runs: JSON lines in, JSON lines out.",
        discussion: """
            Reads one JSON object per line on stdin: {"t": seconds, "backlog": n, "arrived": cumulative, \
            "consumed": cumulative, "replicas": n} ("t" and "backlog" required; prediction needs \
            "arrived"). Writes one JSON object per input line: value, target, active, desiredReplicas, \
            reactiveValue and, with prediction, forecastRate, upperRate, predictedBacklog, model, \
            leadTimeSeconds. A bad line stops the replay with an error naming its line number.

            --metadata takes the trigger's metadata (repeat it): either the whole ScaledObject trigger \
            metadata with "source", or just target, activationValue, windowSeconds and the prediction \
            keys (predict, leadTimeSeconds, coldStartSeconds, predictQuantile, \
            messagesPerReplicaPerSecond, drainSeconds).
            """
    )

    @Option(name: .long, help: "Trigger metadata as key=value; repeat for each key.")
    var metadata: [String] = []

    func run() throws {
        var map: [String: String] = [:]
        for pair in self.metadata {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                Self.fail("--metadata: \"\(pair)\" is not allowed; allowed: key=value")
            }
            map[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        var replay: PlanReplay
        do {
            replay = try PlanReplay(metadata: map)
        } catch {
            Self.fail("--metadata: \(error)")
        }
        var number = 0
        var output = ""
        while let line = Swift.readLine(strippingNewline: true) {
            number += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            do {
                let observation = try Self.observation(line, number: number)
                let decision = try replay.step(observation, line: number)
                output.removeAll(keepingCapacity: true)
                Self.write(decision, time: observation.time, into: &output)
                print(output)
            } catch let error as PlanInputError {
                Self.fail(error.description)
            } catch {
                Self.fail("line \(number): \(error)")
            }
        }
    }

    static func observation(_ line: String, number: Int) throws -> PlanObservation {
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

    static func write(_ decision: PlannerDecision, time: Double, into out: inout String) {
        out += "{\"t\":\(json(time)),\"value\":\(json(decision.value)),\"target\":\(json(decision.target))"
        out += ",\"active\":\(decision.isActive),\"desiredReplicas\":\(decision.desiredReplicas)"
        out += ",\"reactiveValue\":\(json(decision.reactiveValue))"
        if let prediction = decision.prediction {
            out += ",\"forecastRate\":\(json(prediction.forecastRate)),\"upperRate\":\(json(prediction.upperRate))"
            out += ",\"predictedBacklog\":\(json(prediction.predictedBacklog)),\"model\":\"\(prediction.model.rawValue)\""
            out += ",\"leadTimeSeconds\":\(json(prediction.leadTimeSeconds))"
            if let replicas = prediction.rateModeReplicas { out += ",\"rateModeReplicas\":\(replicas)" }
        }
        out += "}"
    }

    /// A JSON number: whole numbers without a fraction, others with up to 6 decimals.
    static func json(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("prescale plan: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
