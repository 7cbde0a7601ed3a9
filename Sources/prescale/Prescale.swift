import ArgumentParser
import PrescaleCore

/// The `prescale` command: a KEDA external scaler that predicts load.
@main
struct Prescale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prescale",
        abstract:
            "An event-driven autoscaler for serverless functions: a KEDA external scaler (gRPC) for Kafka lag, MQTT message rate and broker backlog, and smoke-test values, with load prediction. Try `prescale demo`.",
        version: PrescaleVersion.current,
        subcommands: [Serve.self, Check.self, Demo.self, Plan.self, Simulate.self, Tune.self, Migrate.self, MockKafka.self],
        defaultSubcommand: nil
    )
}
