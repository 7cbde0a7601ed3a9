import ArgumentParser
import Foundation
import Yams

/// `prescale migrate`: prints the Prescale version of ScaledObjects that use KEDA's `kafka` trigger.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print ScaledObjects with their kafka triggers moved to Prescale, and what to mount for their credentials.",
        discussion: """
            Reads ScaledObjects as kubectl prints them (one or many YAML documents, or a List), with the \
            TriggerAuthentications they reference. Each kafka trigger becomes external-push with \
            scalerAddress and source: kafka; every other key stays. The HPA behaviour Prescale's value is \
            planned for is added where a ScaledObject sets none. KEDA forwards no TriggerAuthentication \
            parameters to an external scaler: username and password become usernameFromEnv and \
            passwordFromEnv, ca, cert and key become file names, and stderr says, for each, what to add to \
            the scale target's environment or to Prescale's credentials Secret. Prints the result on stdout; \
            anything it cannot convert is refused (exit 1) naming the ScaledObject, the trigger and the key, \
            and nothing is printed.
            """
    )

    @Option(name: [.customShort("f"), .long], help: "The ScaledObjects' YAML file, or - for standard input.")
    var filename: String

    @Option(help: "Where KEDA reaches Prescale: host:port.")
    var scalerAddress: String = "prescale.prescale.svc:6000"

    func validate() throws {
        guard let colon = self.scalerAddress.lastIndex(of: ":"), colon != self.scalerAddress.startIndex,
            let port = Int(self.scalerAddress[self.scalerAddress.index(after: colon)...]), (1...65535).contains(port)
        else {
            throw ValidationError(
                "--scaler-address: \"\(self.scalerAddress)\" is not allowed; allowed: host:port with a port from 1 to 65535")
        }
    }

    func run() throws {
        let data =
            self.filename == "-"
            ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: self.filename)
        guard let data, let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("-f: cannot read \"\(self.filename)\" as UTF-8 text")
        }
        let outcome: ScaledObjectMigration.Outcome
        do {
            outcome = try ScaledObjectMigration(scalerAddress: self.scalerAddress).migrate(text)
        } catch let refusal as ScaledObjectMigration.Refusal {
            FileHandle.standardError.write(Data("prescale migrate: \(refusal)\n".utf8))
            throw ExitCode(1)
        }
        for step in outcome.steps {
            FileHandle.standardError.write(Data("prescale migrate: \(step)\n".utf8))
        }
        let yaml = try Yams.serialize(nodes: outcome.documents, explicitStart: outcome.documents.count > 1, sortKeys: false)
        FileHandle.standardOutput.write(Data(yaml.utf8))
    }
}
