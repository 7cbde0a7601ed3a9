/// Reads the trace formats of `../shared/traces` into per-second arrival counts.
///
/// - `TIMESTAMP,…` rows (one per request, `YYYY-MM-DD HH:MM:SS.fff`): counted per second.
/// - `period,count` rows (one per minute): spread evenly over the minute's seconds.
///
/// Counts are multiplied by `scale` (e.g. 0.01 to fit a small consumer pool).
public enum DemoTrace {
    /// A trace that could not be read; names the line.
    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Parses `text`; at most `limit` seconds are kept.
    public static func perSecondCounts(_ text: String, scale: Double, limit: Int) throws(ReadError) -> [Double] {
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.lowercased() else { throw ReadError(description: "the trace is empty") }
        lines.removeFirst()
        var counts: [Double] = []
        if header.hasPrefix("timestamp") {
            var first: Double?
            for (index, line) in lines.enumerated() {
                guard let seconds = Self.seconds(of: String(line.prefix { $0 != "," })) else {
                    throw ReadError(description: "line \(index + 2): \"\(line.prefix(60))\" does not start with a timestamp YYYY-MM-DD HH:MM:SS")
                }
                let offset = Int(seconds - (first ?? seconds))
                if first == nil { first = seconds }
                guard offset < limit else { break }
                if offset >= counts.count { counts += Array(repeating: 0, count: offset - counts.count + 1) }
                counts[offset] += scale
            }
        } else if header.hasPrefix("period,count") {
            for (index, line) in lines.enumerated() {
                guard let count = line.split(separator: ",").last.flatMap({ Double($0) }), count >= 0 else {
                    throw ReadError(description: "line \(index + 2): \"\(line.prefix(60))\" has no count after the comma")
                }
                counts += Array(repeating: count * scale / 60, count: 60)
                if counts.count >= limit { break }
            }
        } else {
            throw ReadError(description: "unknown trace header \"\(header.prefix(60))\"; expected TIMESTAMP,… or period,count")
        }
        return Array(counts.prefix(limit))
    }

    /// Seconds since an arbitrary day origin for `YYYY-MM-DD HH:MM:SS[.fff]`.
    static func seconds(of text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let time = parts[1].split(separator: ":")
        guard date.count == 3, time.count == 3, let h = Double(time[0]), let m = Double(time[1]),
            let s = Double(time[2])
        else { return nil }
        // Days since a fixed origin; months approximated as 31 days, enough for ordering within a trace.
        let days = Double((date[0] * 12 + date[1]) * 31 + date[2])
        return days * 86_400 + h * 3600 + m * 60 + s
    }
}
