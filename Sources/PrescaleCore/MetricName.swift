/// Metric names as KEDA and the HPA need them: stable, lower case, only `[a-z0-9-]`.
public enum MetricName {
    /// Lower-cases `raw` and replaces every run of other characters with one `-`, trimming dashes at
    /// either end. `"Orders.EU_1"` becomes `"orders-eu-1"`.
    public static func sanitized(_ raw: String) -> String {
        var result = ""
        result.reserveCapacity(raw.utf8.count)
        var pendingDash = false
        for scalar in raw.lowercased().unicodeScalars {
            let isAllowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if isAllowed {
                if pendingDash && !result.isEmpty { result.append("-") }
                pendingDash = false
                result.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return result
    }

    /// Whether `requested` (from `GetMetricsRequest.metricName`) refers to `name`.
    ///
    /// KEDA strips its `s<index>-` prefix before calling `GetMetrics`, but older versions and hand-written
    /// clients may send it; both forms are accepted.
    public static func matches(requested: String, name: String) -> Bool {
        if requested == name { return true }
        guard requested.utf8.count > name.utf8.count + 2, requested.hasSuffix("-" + name),
            requested.first == "s"
        else { return false }
        let index = requested.dropFirst().prefix(requested.utf8.count - name.utf8.count - 2)
        return !index.isEmpty && index.allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
