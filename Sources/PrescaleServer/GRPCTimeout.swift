/// The `grpc-timeout` request header: 1 to 8 digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`), as the gRPC
/// over HTTP/2 protocol defines it. Handlers use it to answer before the client gives up.
enum GRPCTimeout {
    /// The header's name.
    static let header = "grpc-timeout"

    /// The duration `text` stands for; `nil` when it is malformed.
    static func duration(parsing text: String) -> Duration? {
        guard let unit = text.last, (2...9).contains(text.utf8.count) else { return nil }
        let digits = text.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else { return nil }
        switch unit {
        case "H": return .seconds(value * 3600)
        case "M": return .seconds(value * 60)
        case "S": return .seconds(value)
        case "m": return .milliseconds(value)
        case "u": return .microseconds(value)
        case "n": return .nanoseconds(value)
        default: return nil
        }
    }
}
