import PrescaleCore

// libFuzzer target: trigger metadata for every source, the tenant policy and the broker allowlist.
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
        let policy = TenantPolicy(credentialFiles: .perNamespace(directory: "/creds"), allowedBrokers: allowlist)
        _ = try? policy.apply(to: spec, namespace: metadata["namespace"] ?? "shop")
        var planner = spec.makePlanner()
        _ = planner.decide(MetricSample(time: 1, reactiveValue: Double(metadata.count)))
    }
    _ = try? PlanReplay(metadata: metadata)
    return 0
}
