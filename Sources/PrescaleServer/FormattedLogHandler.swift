import Foundation
import Logging

/// Writes log lines to standard error as text or JSON lines. Metadata values are written as given;
/// callers never put secrets in them.
public struct FormattedLogHandler: LogHandler {
    /// The label of the logger (`prescale`).
    public let label: String
    /// The line format.
    public let format: LogFormat
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    /// Creates a handler.
    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let timestamp = Date().formatted(.iso8601)
        let line: String
        switch self.format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(timestamp) \(event.level) \(self.label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n"
        case .json:
            var object: [String: String] = ["time": timestamp, "level": event.level.rawValue, "logger": self.label]
            object["message"] = event.message.description
            for (key, value) in merged where object[key] == nil { object[key] = value.description }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
