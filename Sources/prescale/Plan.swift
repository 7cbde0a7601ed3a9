import ArgumentParser
import Foundation
import PrescaleCore
import PrescaleSimulator

/// `prescale plan`: recorded observations in, the planner's decisions out, one JSON line each.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay recorded observations through the planner the server runs: JSON lines in, JSON lines out.",
        discussion: """
            Reads one JSON object per line on stdin: {"t": seconds, "backlog": n, "arrived": cumulative, \
            "consumed": cumulative, "replicas": n} ("t" and "backlog" required; prediction needs \
            "arrived"). Writes one JSON object per input line: value, target, active, desiredReplicas, \
            reactiveValue, valueFloor (the lowest value the planner may report) and, with prediction, forecastRate, upperRate, predictedBacklog, model, \
            leadTimeSeconds, capacity (learned messages per replica per second), capacityConfidence, \
            plannedReplicas, burstRate, burstDue (true when that rate is for a burst not yet begun) and, once the capacity is learned, learnedFloor (the value of the \
            replicas that drain the backlog within 1 s). Each decision is written and flushed as soon as its line is \
            read, so a harness can drive it in a closed loop (one observation, wait for the answer). A \
            bad line stops the replay with an error naming its line number. Give "replicas" (ready \
            consumers) and "consumed" so that the per-replica capacity can be learned.

            --metadata takes the trigger's metadata (repeat it): either the whole ScaledObject trigger \
            metadata with "source", or just target, activationValue, windowSeconds and the prediction \
            keys (predict, leadTimeSeconds, coldStartSeconds, predictQuantile, \
            messagesPerReplicaPerSecond, drainSeconds). --scaledobject FILE reads the metadata of a \
            ScaledObject exactly as `kubectl get scaledobject NAME -o yaml` prints it (its first \
            external or external-push trigger, or --trigger N); --metadata then overrides single keys.
            """
    )

    @Option(name: .long, help: "Trigger metadata as key=value; repeat for each key.")
    var metadata: [String] = []
    @Option(name: .customLong("scaledobject"), help: "A ScaledObject YAML file (as kubectl prints it): its trigger's metadata.")
    var scaledObject: String?
    @Option(
        help: "With --scaledobject: the 0-based index of the trigger in spec.triggers (default: the first external or external-push one).")
    var trigger: Int?
    @Option(help: "The cluster's HPA sync period in whole seconds, 1 to 60, as the server's --hpa-sync-seconds (default 15).")
    var hpaSyncSeconds: Int = Int(PredictionSpec.defaultHPASyncSeconds)

    func validate() throws {
        guard (1...60).contains(self.hpaSyncSeconds) else {
            throw ValidationError("--hpa-sync-seconds: \(self.hpaSyncSeconds) is not allowed; allowed: whole seconds from 1 to 60")
        }
    }

    func run() throws {
        var map: [String: String] = [:]
        if let path = self.scaledObject {
            do {
                map = try ScaledObjectMetadata.read(path: path, trigger: self.trigger)
            } catch {
                Self.fail("--scaledobject: \(error)")
            }
        } else if self.trigger != nil {
            Self.fail("--trigger needs --scaledobject")
        }
        for pair in self.metadata {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                Self.fail("--metadata: \"\(pair)\" is not allowed; allowed: key=value")
            }
            map[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        var replay: PlanReplay
        do {
            replay = try PlanReplay(metadata: map, hpaSyncSeconds: Double(self.hpaSyncSeconds))
        } catch {
            Self.fail("--metadata: \(error)")
        }
        var number = 0
        var output = ""
        while let line = Swift.readLine(strippingNewline: true) {
            number += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            do {
                let observation = try PlanLineReader.observation(line, number: number)
                let decision = try replay.step(observation, line: number)
                output.removeAll(keepingCapacity: true)
                Self.write(decision, time: observation.time, into: &output)
                // Written straight to the descriptor, never buffered: a closed-loop harness waits for
                // this line before it sends the next observation.
                output += "\n"
                FileHandle.standardOutput.write(Data(output.utf8))
            } catch {
                Self.fail(error.description)
            }
        }
    }

    static func write(_ decision: PlannerDecision, time: Double, into out: inout String) {
        out += "{\"t\":\(json(time)),\"value\":\(json(decision.value)),\"target\":\(json(decision.target))"
        out += ",\"active\":\(decision.isActive),\"desiredReplicas\":\(decision.desiredReplicas)"
        out += ",\"reactiveValue\":\(json(decision.reactiveValue)),\"valueFloor\":\(json(decision.valueFloor))"
        if let prediction = decision.prediction {
            out += ",\"forecastRate\":\(json(prediction.forecastRate)),\"upperRate\":\(json(prediction.upperRate))"
            out += ",\"predictedBacklog\":\(json(prediction.predictedBacklog)),\"model\":\"\(prediction.model.rawValue)\""
            out += ",\"leadTimeSeconds\":\(json(prediction.leadTimeSeconds))"
            if let capacity = prediction.capacity { out += ",\"capacity\":\(json(capacity))" }
            out += ",\"capacityConfidence\":\(json(prediction.capacityConfidence))"
            if let replicas = prediction.plannedReplicas { out += ",\"plannedReplicas\":\(replicas)" }
            out += ",\"burstRate\":\(json(prediction.burstRate)),\"burstDue\":\(prediction.burstDue)"
            if let floor = prediction.learnedFloor { out += ",\"learnedFloor\":\(json(floor))" }
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
