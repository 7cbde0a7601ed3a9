import PrescaleCore

extension ServerConfiguration {
    /// The settings as `prescale serve --help` lists them: each flag with its one-line help, in the order of
    /// ``settingNames``. Written from the same table the flags, environment variables and file keys are
    /// resolved with, so the help cannot name a setting that does not exist or miss one that does.
    public static var commandLineHelp: String {
        Self.settings.map { setting in
            (["  \(setting.flag) <value>"] + Self.wrap(setting.help, width: 70).map { "        " + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` characters, broken at spaces.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// The setting flags of a command line (`--name value` or `--name=value`; a later one wins), by
    /// setting name, for ``resolve(flags:environment:fileContents:)``.
    ///
    /// - Throws: ``ConfigurationError`` naming an argument that is not a setting flag (with the nearest
    ///   flag when one is within two edits), or a flag without a value.
    public static func flagValues(from arguments: [String]) throws(ConfigurationError) -> [String: String] {
        let known = Set(Self.settings.map(\.name))
        var values: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ConfigurationError(
                    origin: "argument \"\(argument.prefix(100))\"", value: nil,
                    allowed: "is not a flag; settings are given as --name value or --name=value")
            }
            let body = argument.dropFirst(2)
            let name: String
            let value: String
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
                guard index < arguments.endIndex else {
                    throw ConfigurationError(origin: "--\(name)", value: nil, allowed: "needs a value: --\(name) VALUE or --\(name)=VALUE")
                }
                value = arguments[index]
                index += 1
            }
            guard known.contains(name) else {
                let near = Self.settings.map(\.name).first { EditDistance.atMost(2, $0, name) }
                throw ConfigurationError(
                    origin: "--\(name.prefix(100))",
                    value: nil,
                    allowed: "is not a setting" + (near.map { "; did you mean --\($0)?" } ?? "")
                        + " (prescale serve --help lists them)"
                )
            }
            values[name] = value
        }
        return values
    }
}
