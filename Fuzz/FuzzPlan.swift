import PrescaleCore
import PrescaleSimulator

// libFuzzer target: `prescale plan`'s JSON-lines reader, each observation fed to the planner; every decision
// must be finite, non-negative and never below its floor (PlannerDecision.valueFloor).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlan(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard var replay = try? PlanReplay(metadata: ["target": "10"]) else { return 0 }
    for (index, line) in text.split(separator: "\n").enumerated() {
        guard let observation = try? PlanLineReader.observation(String(line), number: index + 1) else { continue }
        guard let decision = try? replay.step(observation, line: index + 1) else { continue }
        // Finite, non-negative, never below the floor (the reactive value, bounded by KEDA's own replicas
        // while no capacity is known).
        if !decision.value.isFinite || decision.value < 0 || decision.value < decision.valueFloor {
            fatalError("decision \(decision.value) for reactive \(decision.reactiveValue) at line \(index + 1)")
        }
    }
    return 0
}
