import PrescaleCore

// libFuzzer target: partitionLimitation and MQTT topic filters (and matching topics against them).
// Input: first line a partitionLimitation, second a topic filter, third a topic.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFilters(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    if let limitation = try? PartitionLimitation(parsing: lines[0]) {
        _ = limitation.contains(0)
        _ = limitation.contains(Int32.max)
    }
    if lines.count > 1, let filter = try? MQTTTopicFilter(lines[1]) {
        _ = filter.matches(lines.count > 2 ? lines[2] : lines[1])
    }
    _ = try? MQTTBrokerAddress(parsing: lines[0])
    return 0
}
