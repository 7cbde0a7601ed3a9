/// Reads every trace format of `../shared/traces` (and the Azure Functions 2019 per-minute format) into
/// per-second arrivals.
///
/// | format | header | arrivals |
/// |---|---|---|
/// | per request | `TIMESTAMP,…` (`YYYY-MM-DD HH:MM:SS[.fff]`, UTC) | counted per second, × `scale` |
/// | per minute | `period,count` | seeded Poisson within each minute, mean count × `scale` / 60 |
/// | per second | `second,count` (or `t,count`) | the count × `scale` |
/// | Azure Functions 2019 | `HashOwner,HashApp,HashFunction,Trigger,1,…,1440` or `…,minute_1,…` | one row (`row`), per minute as above |
public struct TraceReader: Sendable {
    /// A trace that cannot be read; names the line.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Multiplier for counts (e.g. 0.01 to fit a small consumer pool).
    public var scale: Double = 1
    /// Seconds to skip at the start.
    public var skipSeconds = 0
    /// At most this many seconds are kept.
    public var limitSeconds = Int.max
    /// For the Azure Functions format: which data row (1-based).
    public var row = 1
    /// Seed for Poisson arrivals within minutes.
    public var seed: UInt64 = 1
    /// For per-request traces: the column holding each message's work (e.g. `GeneratedTokens`).
    public var workColumn: String?

    /// Creates a reader with defaults.
    public init() {}

    /// Parses `text` (the file's contents); `name` labels the series.
    public func read(_ text: String, name: String) throws(ReadError) -> ArrivalSeries {
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
        guard let headerLine = lines.first else { throw ReadError("\(name): the trace is empty") }
        lines.removeFirst()
        let header = headerLine.lowercased().split(separator: ",").map { $0.trimmingCharacters() }
        var random = SimulationRandom(seed: self.seed)
        var counts: [Double]
        var work: [Double]?
        if header.first == "timestamp" {
            var workIndex: Int?
            if let column = self.workColumn {
                guard let index = header.firstIndex(of: column.lowercased()), index > 0 else {
                    throw ReadError(
                        "\(name): --work-column \"\(column)\" is not a column; allowed: \(header.dropFirst().joined(separator: ", "))")
                }
                workIndex = index
            }
            (counts, work) = try self.requests(lines, name: name, workIndex: workIndex)
        } else if let column = self.workColumn {
            throw ReadError("\(name): --work-column \"\(column)\" needs a per-request trace (TIMESTAMP,…)")
        } else if header == ["period", "count"] {
            counts = try self.perMinute(
                lines.map { line throws(ReadError) -> Double in
                    try Self.lastNumber(line, name: name, lines: lines)
                }, random: &random)
        } else if header.count == 2, ["second", "t", "time"].contains(header[0]), header[1] == "count" {
            counts = []
            for (index, line) in lines.enumerated() {
                guard let count = Double(line.split(separator: ",").last.map(String.init)?.trimmingCharacters() ?? ""), Self.isCount(count)
                else {
                    throw ReadError("\(name): line \(index + 2): \"\(line.prefix(60))\" has no count >= 0 after the comma (at most 1e12)")
                }
                counts.append(count * self.scale)
            }
        } else if header.contains(where: { $0.hasPrefix("hash") }),
            let firstMinute = header.firstIndex(where: { $0 == "1" || $0 == "minute_1" })
        {
            guard self.row >= 1, self.row <= lines.count else {
                throw ReadError("\(name): --row \(self.row) is not allowed; allowed: 1 to \(lines.count)")
            }
            let fields = lines[self.row - 1].split(separator: ",", omittingEmptySubsequences: false)
            var minutes: [Double] = []
            for field in fields.dropFirst(firstMinute) {
                guard let count = Double(field.trimmingCharacters()), Self.isCount(count) else {
                    throw ReadError("\(name): line \(self.row + 1): \"\(field.prefix(20))\" is not a count >= 0 (at most 1e12)")
                }
                minutes.append(count)
            }
            counts = try self.perMinute(minutes, random: &random)
        } else {
            throw ReadError(
                "\(name): unknown header \"\(headerLine.prefix(60))\"; expected TIMESTAMP,…, period,count, second,count or the Azure Functions 2019 per-minute columns"
            )
        }
        let kept = Array(counts.dropFirst(self.skipSeconds).prefix(self.limitSeconds))
        guard !kept.isEmpty else { throw ReadError("\(name): no seconds left after skipping \(self.skipSeconds)") }
        return ArrivalSeries(
            perSecond: kept, name: name, workPerSecond: work.map { Array($0.dropFirst(self.skipSeconds).prefix(self.limitSeconds)) })
    }

    private func requests(_ lines: [Substring], name: String, workIndex: Int?) throws(ReadError) -> ([Double], [Double]?) {
        var counts: [Double] = []
        var work: [Double] = []
        var first: Double?
        let end = self.limitSeconds == Int.max ? Int.max : self.skipSeconds + self.limitSeconds
        for (index, line) in lines.enumerated() {
            guard let seconds = Self.epochSeconds(line.prefix { $0 != "," }) else {
                throw ReadError("\(name): line \(index + 2): \"\(line.prefix(60))\" does not start with a timestamp YYYY-MM-DD HH:MM:SS")
            }
            if first == nil { first = seconds }
            let elapsed = seconds - first!
            guard elapsed >= 0 else {
                throw ReadError("\(name): line \(index + 2): the timestamp is before the first one")
            }
            guard elapsed < Self.maximumSpanSeconds else {
                throw ReadError(
                    "\(name): line \(index + 2): the trace spans more than 366 days; keep fewer seconds with --skip and --seconds")
            }
            let offset = Int(elapsed)
            if offset >= end { break }
            if offset >= counts.count {
                counts += Array(repeating: 0, count: offset - counts.count + 1)
                if workIndex != nil { work += Array(repeating: 0, count: offset - work.count + 1) }
            }
            counts[offset] += self.scale
            if let workIndex {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard workIndex < fields.count, let size = Double(fields[workIndex].trimmingCharacters()), Self.isCount(size) else {
                    throw ReadError("\(name): line \(index + 2): the work column is not a number >= 0")
                }
                work[offset] += size * self.scale
            }
        }
        return (counts, workIndex == nil ? nil : work)
    }

    private func perMinute(_ minutes: [Double], random: inout SimulationRandom) throws(ReadError) -> [Double] {
        var counts: [Double] = []
        let end = self.limitSeconds == Int.max ? Int.max : self.skipSeconds + self.limitSeconds
        counts.reserveCapacity(min(minutes.count * 60, end == Int.max ? minutes.count * 60 : end))
        for count in minutes {
            let mean = count * self.scale / 60
            for _ in 0..<60 { counts.append(random.poisson(mean)) }
            if counts.count >= end { break }
        }
        return counts
    }

    private static func lastNumber(_ line: Substring, name: String, lines: [Substring]) throws(ReadError) -> Double {
        guard let text = line.split(separator: ",").last, let count = Double(text.trimmingCharacters()), Self.isCount(count) else {
            let number = (lines.firstIndex(of: line) ?? 0) + 2
            throw ReadError("\(name): line \(number): \"\(line.prefix(60))\" has no count >= 0 after the comma (at most 1e12)")
        }
        return count
    }

    /// The longest span of a per-request trace: a year (and a day), about 250 MB of per-second counts at most.
    static let maximumSpanSeconds: Double = 366 * 86_400

    /// A count or work size: finite, >= 0, at most 1e12 (larger values are not real traces and would only
    /// overflow later arithmetic).
    static func isCount(_ value: Double) -> Bool {
        value.isFinite && value >= 0 && value <= 1e12
    }

    /// Seconds since 1970-01-01 for `YYYY-MM-DD HH:MM:SS[.fff]` (UTC).
    static func epochSeconds(_ text: Substring) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let time = parts[1].split(separator: ":")
        // Bounded fields: a crafted timestamp (year 10^18, seconds 1e300) must not overflow the arithmetic.
        guard date.count == 3, (1...9_999).contains(date[0]), (1...12).contains(date[1]), (1...31).contains(date[2]),
            time.count == 3, let hours = Int(time[0]), (0...23).contains(hours), let minutes = Int(time[1]), (0...59).contains(minutes),
            let seconds = Double(time[2]), seconds.isFinite, seconds >= 0, seconds < 61
        else { return nil }
        return Double(Self.daysFromCivil(year: date[0], month: date[1], day: date[2])) * 86_400 + Double(hours * 3_600 + minutes * 60)
            + seconds
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" || first == "\"" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" || last == "\"" { slice.removeLast() }
        return String(slice)
    }
}
