import PrescaleCore

// libFuzzer target: trigger metadata for every source, the tenant policy and the broker allowlist. Besides
// "no crash" it checks two properties: credential paths stay under their namespace, and decisions are finite,
// non-negative and never below their floor (PlannerDecision.valueFloor).
// Input: lines of key=value (the last line may be an --allowed-brokers list after "allow:").
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetadata(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var metadata: [String: String] = [:]
    var allow: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        if line.hasPrefix("allow:") {
            allow = String(line.dropFirst(6))
        } else if let equals = line.firstIndex(of: "=") {
            metadata[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
    }
    let allowlist = allow.flatMap { try? BrokerAllowlist($0) }
    if let spec = try? TriggerSpec(metadata: metadata) {
        let namespace = metadata["namespace"] ?? "shop"
        let policy = TenantPolicy(credentialFiles: .perNamespace(directory: "/creds"), allowedBrokers: allowlist)
        if let applied = try? policy.apply(to: spec, namespace: namespace) {
            // Every credential file the policy let through is a plain name under /creds/<namespace>/.
            for path in credentialPaths(applied) {
                let prefix = "/creds/\(namespace)/"
                let rest = path.dropFirst(prefix.count)
                let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
                if !path.hasPrefix(prefix) || namespace.contains("/") || namespace == ".." || namespace == "."
                    || parts.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." })
                {
                    fatalError("credential path escapes its namespace: \(path) for \(namespace)")
                }
            }
        }
        // Decisions are finite, non-negative and never below their floor (the reactive value, bounded by
        // KEDA's own replicas while a backlog trigger knows no capacity).
        var planner = spec.makePlanner()
        for (index, reactive) in [Double(metadata.count), 0, 1e9, Double(text.utf8.count)].enumerated() {
            let decision = planner.decide(MetricSample(time: Double(index + 1), reactiveValue: reactive))
            if !decision.value.isFinite || decision.value < 0 || decision.value < decision.valueFloor {
                fatalError("decision \(decision.value) for reactive \(decision.reactiveValue)")
            }
        }
    }
    _ = try? PlanReplay(metadata: metadata)
    return 0
}

/// The credential file paths of a spec (Kafka and MQTT TLS files).
func credentialPaths(_ spec: TriggerSpec) -> [String] {
    switch spec.source {
    case .static: return []
    case .kafka(let kafka): return [kafka.tls?.ca, kafka.tls?.cert, kafka.tls?.key].compactMap { $0 }
    case .mqtt(let mqtt): return [mqtt.tls?.ca, mqtt.tls?.cert, mqtt.tls?.key].compactMap { $0 }
    }
}
