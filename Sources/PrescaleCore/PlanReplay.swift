/// `prescale plan`: replays recorded observations through the same planner the server runs.
///
/// The metadata is either a whole trigger's (with `source`, validated as the server would; only the
/// target, thresholds, window and prediction keys matter for a replay) or, without `source`, just
/// `target`, `activationValue`, `windowSeconds` and the prediction keys.
public struct PlanReplay: Sendable {
    /// Keys accepted without `source`.
    public static let replayKeys: Set<String> = PredictionSpec.keys.union(["target", "activationValue", "windowSeconds"])

    private var planner: any Planner
    private let windowSeconds: Double?
    private var lastTime: Double?
    /// The target per replica.
    public let target: Double

    /// Builds the planner from trigger metadata, for a cluster whose HPA syncs every `hpaSyncSeconds` (the
    /// server's `--hpa-sync-seconds`).
    public init(metadata: [String: String], hpaSyncSeconds: Double = PredictionSpec.defaultHPASyncSeconds) throws(MetadataError) {
        if metadata["source"] != nil {
            var spec = try TriggerSpec(metadata: metadata)
            spec.prediction?.hpaSyncPeriod = hpaSyncSeconds
            self.planner = spec.makePlanner()
            self.target = spec.target
            if case .mqtt(let mqtt) = spec.source {
                self.windowSeconds = Double(mqtt.windowSeconds)
            } else {
                self.windowSeconds = nil
            }
            return
        }
        let reader = MetadataReader(metadata)
        try reader.rejectLikelyTypos(knownKeys: Self.replayKeys)
        for key in metadata.keys.sorted() where !Self.replayKeys.contains(key) {
            throw MetadataError(
                .invalidValue, key: key, value: metadata[key],
                allowed:
                    "without \"source\" only \(Self.replayKeys.sorted().joined(separator: ", ")); or give the trigger's whole metadata with \"source\""
            )
        }
        let target = try reader.double("target", default: nil, in: .positive)
        let activation = try reader.double("activationValue", default: 0, in: .nonNegative)
        let window = try reader.string("windowSeconds") == nil ? nil : Double(reader.integer("windowSeconds", default: nil, in: 1...3_600))
        var prediction = try PredictionSpec(metadata: reader)
        prediction.hpaSyncPeriod = hpaSyncSeconds
        self.target = target
        self.windowSeconds = window
        self.planner =
            prediction.enabled
            ? PredictivePlanner(target: target, activationThreshold: activation, prediction: prediction)
            : ReactivePlanner(target: target, activationThreshold: activation)
    }

    /// Plans one observation; `line` is its 1-based line number, for errors.
    public mutating func step(_ observation: PlanObservation, line: Int) throws(PlanInputError) -> PlannerDecision {
        if let lastTime, observation.time <= lastTime {
            throw PlanInputError(line: line, message: "\"t\" is \(observation.time), not after the previous line's \(lastTime)")
        }
        self.lastTime = observation.time
        return self.planner.decide(
            MetricSample(
                time: observation.time, reactiveValue: observation.backlog, backlog: observation.backlog,
                arrived: observation.arrived, consumed: observation.consumed, replicas: observation.replicas,
                windowSeconds: self.windowSeconds))
    }
}

/// One line of `prescale plan` input: `{"t": s, "backlog": n, "arrived": n, "consumed": n, "replicas": n}`.
public struct PlanObservation: Sendable, Hashable {
    /// Seconds (any origin, increasing).
    public var time: Double
    /// Messages waiting; also the reactive value.
    public var backlog: Double
    /// Cumulative arrivals (prediction needs it).
    public var arrived: Double?
    /// Cumulative consumed.
    public var consumed: Double?
    /// Ready replicas.
    public var replicas: Int?

    /// Validates the fields of one line: `numbers` holds every numeric field, `otherKeys` the fields
    /// that were present but not numbers.
    public init(numbers: [String: Double], otherKeys: [String], line: Int) throws(PlanInputError) {
        let known: Set<String> = ["t", "backlog", "arrived", "consumed", "replicas"]
        for key in otherKeys.sorted() where known.contains(key) {
            throw PlanInputError(line: line, message: "\"\(key)\" must be a number")
        }
        for key in (Array(numbers.keys) + otherKeys).sorted() where !known.contains(key) {
            throw PlanInputError(line: line, message: "unknown field \"\(key)\"; allowed: t, backlog, arrived, consumed, replicas")
        }
        guard let time = numbers["t"], time.isFinite else { throw PlanInputError(line: line, message: "\"t\" (seconds) is required") }
        guard let backlog = numbers["backlog"] else { throw PlanInputError(line: line, message: "\"backlog\" is required") }
        for (key, value) in numbers where key != "t" && !(value.isFinite && value >= 0) {
            throw PlanInputError(line: line, message: "\"\(key)\" must be a finite number >= 0, not \(value)")
        }
        if let replicas = numbers["replicas"], replicas != replicas.rounded() || replicas > Double(Int32.max) {
            throw PlanInputError(line: line, message: "\"replicas\" must be a whole number")
        }
        self.time = time
        self.backlog = backlog
        self.arrived = numbers["arrived"]
        self.consumed = numbers["consumed"]
        self.replicas = numbers["replicas"].map { Int($0) }
    }
}

/// A bad line of `prescale plan` input, with its line number.
public struct PlanInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line number.
    public var line: Int
    /// What is wrong with it.
    public var message: String

    /// Creates an error.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(self.line): \(self.message)" }
}
