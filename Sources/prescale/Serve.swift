import ArgumentParser
import Foundation
import Logging
import PrescaleApp
import PrescaleServer

/// `prescale serve`: runs the gRPC ExternalScaler and the HTTP endpoints until SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve KEDA's externalscaler.ExternalScaler over gRPC, plus /metrics, /healthz and /readyz over HTTP.",
        discussion: """
            Every option can also be set with an environment variable (PRESCALE_ plus the option name in \
            upper case with underscores, e.g. PRESCALE_GRPC_ADDRESS) or a key of the YAML --config file \
            (the option name without dashes, e.g. grpc-address: 0.0.0.0:6000). Flags override the \
            environment, which overrides the file.

            SETTINGS:
            \(ServerConfiguration.commandLineHelp)
            """
    )

    @Option(help: "A YAML file of settings (keys are the option names, e.g. grpc-address).")
    var config: String?

    /// Every setting flag (`--grpc-address 0.0.0.0:6000`): parsed against the one table of settings
    /// (``ServerConfiguration/flagValues(from:)``), which `--help` lists in the discussion.
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    func run() async throws {
        let arenas = Self.limitMallocArenas()
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(
                flags: try ServerConfiguration.flagValues(from: self.settings),
                environment: ProcessInfo.processInfo.environment,
                fileContents: try self.configFileContents()
            )
        } catch {
            Self.fail(error.description)
        }
        LoggingSystem.bootstrap { label in
            FormattedLogHandler(label: label, format: configuration.logFormat, level: configuration.logLevel)
        }
        let logger = Logger(label: "prescale")
        logger.info(
            "starting",
            metadata: [
                "grpc": "\(configuration.grpcAddress)", "http": "\(configuration.httpAddress)",
                "sources": "\(BuiltInSourceFactory.kinds)", "mallocArenas": "\(arenas)",
                "heapTrim": "\(Self.heapTrimDescription)",
            ]
        )
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await Self.trimHeapPeriodically() }
                defer { group.cancelAll() }
                try await PrescaleApplication(configuration: configuration, logger: logger).run()
            }
        } catch {
            Self.fail(String(describing: error))
        }
    }

    private func configFileContents() throws(ConfigurationError) -> String? {
        guard let path = self.config ?? ProcessInfo.processInfo.environment["PRESCALE_CONFIG"] else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(origin: "--config", value: path, allowed: "a readable YAML file (\(error.localizedDescription))")
        }
    }

    /// Prints one line on standard error and exits with status 1.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("prescale: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
