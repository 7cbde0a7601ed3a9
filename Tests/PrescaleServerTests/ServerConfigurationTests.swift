import Foundation
import Logging
import PrescaleApp
import PrescaleCore
import PrescaleKubernetes
import PrescaleTesting
import Testing

@testable import PrescaleServer

@Suite("Server configuration")
struct ServerConfigurationTests {
    @Test("each setting's help names its real default: giving that value changes nothing")
    func helpNamesTheDefaults() throws {
        // `serve --help` is written from these lines, and the README's default column is checked against
        // `serve --help` (Tests/conformance/test_configuration.py): so the README says what the code does.
        let defaults = try ServerConfiguration.resolve(flags: [:], environment: [:], fileContents: nil)
        #expect(defaults == ServerConfiguration())
        var checked = 0
        for setting in ServerConfiguration.settings {
            guard let range = setting.help.range(of: #"\(default [^\s;)]+?(?=[;)]|, |: )"#, options: .regularExpression) else { continue }
            let literal = String(setting.help[range].dropFirst("(default ".count))
            var config = ServerConfiguration()
            #expect(setting.apply(&config, literal), "\(setting.flag): its default \(literal) is refused")
            #expect(config == defaults, "\(setting.flag): its help says the default is \(literal), the code has another")
            checked += 1
        }
        #expect(checked >= 25)
        // A help line naming a wrong default is caught: max-triggers at 9999 differs from the default.
        var wrong = ServerConfiguration()
        let maxTriggers = try #require(ServerConfiguration.settings.first { $0.name == "max-triggers" })
        #expect(maxTriggers.apply(&wrong, "9999") && wrong != defaults)
    }

    @Test("flags override the environment, which overrides the file")
    func precedence() throws {
        let file = "grpc-address: 127.0.0.1:7000\nhttp-address: 127.0.0.1:7001\nlog-format: json\n"
        let environment = ["PRESCALE_HTTP_ADDRESS": "127.0.0.1:7002", "PRESCALE_LOG_LEVEL": "debug", "HOME": "/root"]
        let config = try ServerConfiguration.resolve(
            flags: ["log-level": "warning"],
            environment: environment,
            fileContents: file
        )
        #expect(config.grpcAddress == HostAndPort(host: "127.0.0.1", port: 7000))
        #expect(config.httpAddress == HostAndPort(host: "127.0.0.1", port: 7002))
        #expect(config.logFormat == .json)
        #expect(config.logLevel == .warning)
    }

    @Test(
        "a bad value names where it came from and what is allowed",
        arguments: [
            (
                [("grpc-address", "localhost")], [:], nil,
                "--grpc-address: \"localhost\" is not allowed; allowed: host:port with a port from 0 to 65535"
            ),
            ([], ["PRESCALE_LOG_FORMAT": "xml"], nil, "PRESCALE_LOG_FORMAT: \"xml\" is not allowed; allowed: one of text, json"),
            (
                [], [:], "max-triggers: lots",
                "config file key \"max-triggers\": \"lots\" is not allowed; allowed: a whole number from 1 to 1000000"
            ),
            (
                [], [:], "grpc-adress: :6000",
                "config file key \"grpc-adress\": is not a setting; known keys: " + ServerConfiguration.settingNames.joined(separator: ", ")
            ),
            (
                [("allowed-brokers", "kafka..svc")], [:], nil,
                "--allowed-brokers: \"kafka..svc\" is not allowed; allowed: comma-separated host names, *.suffix patterns, IP addresses and CIDRs, e.g. *.kafka.svc.cluster.local,10.0.0.0/8"
            ),
            (
                [("credentials-dir", "relative/dir")], [:], nil,
                "--credentials-dir: \"relative/dir\" is not allowed; allowed: an absolute directory path"
            ),
            (
                [("allow-credential-paths", "yes")], [:], nil,
                "--allow-credential-paths: \"yes\" is not allowed; allowed: one of enabled, disabled"
            ),
            (
                [("allow-credential-paths", "enabled"), ("credentials-dir", "/creds")], [:], nil,
                "--allow-credential-paths: \"enabled\" is not allowed; allowed: only without --credentials-dir (/creds): file keys are either names under it or paths, not both"
            ),
            ([("tls-key", "/k.pem")], [:], nil, "--tls-key: \"/k.pem\" is not allowed; allowed: only together with --tls-cert"),
            (
                [("actuation", "on")], [:], nil,
                "--actuation: \"on\" is not allowed; allowed: one of auto, disabled, read-only, enabled, dry-run"
            ),
            (
                [("lease-name", "Prescale_Lease")], [:], nil,
                "--lease-name: \"Prescale_Lease\" is not allowed; allowed: a Kubernetes object name: lower-case letters, digits, '-' and '.', at most 253"
            ),
            (
                [], ["PRESCALE_ACTUATION_MIN_INTERVAL": "-1"], nil,
                "PRESCALE_ACTUATION_MIN_INTERVAL: \"-1\" is not allowed; allowed: seconds from 0 to 3600 (decimals allowed)"
            ),
            (
                [], ["PRESCALE_KAFKA_PARTITIONS_PER_REQUEST": "0"], nil,
                "PRESCALE_KAFKA_PARTITIONS_PER_REQUEST: \"0\" is not allowed; allowed: a whole number from 1 to 100000"
            ),
            (
                [("http-address", "0.0.0.0:70000")], [:], nil,
                "--http-address: \"0.0.0.0:70000\" is not allowed; allowed: host:port with a port from 0 to 65535"
            ),
        ] as [([(String, String)], [String: String], String?, String)])
    func badValues(_ flags: [(String, String)], _ environment: [String: String], _ file: String?, _ message: String) {
        #expect {
            _ = try ServerConfiguration.resolve(
                flags: Dictionary(uniqueKeysWithValues: flags),
                environment: environment,
                fileContents: file
            )
        } throws: { error in
            (error as? ConfigurationError)?.description == message
        }
    }

    @Test(
        "addresses parse in the forms operators write",
        arguments: [
            (":6000", HostAndPort(host: "0.0.0.0", port: 6000)),
            ("127.0.0.1:0", HostAndPort(host: "127.0.0.1", port: 0)),
            ("[::1]:6000", HostAndPort(host: "::1", port: 6000)),
        ])
    func addresses(_ text: String, _ expected: HostAndPort) {
        #expect(HostAndPort(parsing: text) == expected)
    }
}

@Suite("Server configuration: actuation")
struct ActuationConfigurationTests {
    @Test("actuation settings resolve; --actuation enabled without any cluster says how to give one")
    func actuation() throws {
        let config = try ServerConfiguration.resolve(
            flags: ["actuation": "dry-run", "actuation-min-interval": "0.5", "actuation-max-step": "4", "leader-election": "disabled"],
            environment: [:],
            fileContents: nil
        )
        #expect(config.actuation == .dryRun)
        #expect(config.actuationMinInterval == .milliseconds(500))
        #expect(config.actuationMaxStep == 4)
        #expect(!config.leaderElection)
        let error = #expect(throws: KubernetesError.self) {
            try ClusterServices.clusterConfiguration(config, environment: ["HOME": "/nonexistent"])
        }
        #expect(error?.message.contains("--kubeconfig") == true)
    }
}

@Suite("Server configuration: the replica source")
struct ReplicaSourceConfigurationTests {
    static func serviceAccount(for api: FakeKubernetesAPI) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prescale-sa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try api.token.write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: api.certificates.ca, toPath: directory.appendingPathComponent("ca.crt").path)
        try "prescale".write(to: directory.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        return directory.path
    }

    @Test(
        "auto reads the cluster through the pod's service account and writes nothing; outside a pod, or with unusable credentials, it runs without a replica source; an explicit mode fails loudly"
    )
    func autoMode() async throws {
        let api = try await FakeKubernetesAPI()
        try await api.start()
        defer { Task { await api.stop() } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let metrics = ScalerMetrics(maximumTriggerSeries: 10)
        let inPod = ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(api.port)]
        var config = try ServerConfiguration.resolve(
            flags: ["service-account-dir": try Self.serviceAccount(for: api)], environment: [:], fileContents: nil)
        #expect(config.actuation == .auto)

        let services = try #require(
            try ClusterServices.make(config, metrics: metrics, logger: logger, environment: inPod))
        #expect(services.actuator == nil && services.elector == nil)
        #expect(services.services.count == 1)
        // It reads through the service account: a target's ready replicas come back.
        api.addScaledObject(namespace: "shop", name: "orders", target: "orders-consumer", replicas: 3)
        services.replicas.wanted(ScaledObjectKey(namespace: "shop", name: "orders"))
        await services.replicas.refresh()
        #expect(services.replicas.replicas(of: ScaledObjectKey(namespace: "shop", name: "orders")) == 3)
        #expect(api.requests.allSatisfy { $0.method == "GET" })
        await services.client.shutdown()

        // Outside a pod, auto never reaches for a developer's own kubeconfig.
        let outside = try ClusterServices.make(
            config, metrics: metrics, logger: logger, environment: ["HOME": "/nonexistent", "KUBECONFIG": api.certificates.ca])
        #expect(outside == nil)
        // In a pod without a token: auto runs without a replica source; read-only refuses to start.
        config.serviceAccountDirectory = "/nonexistent"
        #expect(try ClusterServices.make(config, metrics: metrics, logger: logger, environment: inPod) == nil)
        config.actuation = .readOnly
        let error = #expect(throws: KubernetesError.self) {
            try ClusterServices.make(config, metrics: metrics, logger: logger, environment: inPod)
        }
        #expect(error?.code == .configuration)
    }

    @Test("read-only and auto refuse actuate: \"true\" naming the key and the modes that actuate")
    func readOnlyRefusesActuate() throws {
        #expect(!ActuationMode.auto.actuates && !ActuationMode.readOnly.actuates && !ActuationMode.disabled.actuates)
        #expect(ActuationMode.enabled.actuates && ActuationMode.dryRun.actuates)
        let config = try ServerConfiguration.resolve(flags: ["actuation": "read-only"], environment: [:], fileContents: nil)
        #expect(config.actuation == .readOnly)
        let error = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.resolve(flags: ["actuation": "read"], environment: [:], fileContents: nil)
        }
        #expect(error?.description.contains("auto, disabled, read-only, enabled, dry-run") == true)
    }
}

@Suite("Server configuration: the command line")
struct ServerCommandLineTests {
    @Test("--name value and --name=value both set a setting; a later flag wins")
    func flagForms() throws {
        let values = try ServerConfiguration.flagValues(from: ["--grpc-address", ":7000", "--log-level=debug", "--log-level", "error"])
        #expect(values == ["grpc-address": ":7000", "log-level": "error"])
        let configuration = try ServerConfiguration.resolve(flags: values, environment: [:], fileContents: nil)
        #expect(configuration.grpcAddress == HostAndPort(host: "0.0.0.0", port: 7000))
    }

    @Test(
        "a flag that is no setting, a flag without a value and a stray word are errors naming them",
        arguments: [
            (["--grpc-adress", ":0"], "--grpc-adress: is not a setting; did you mean --grpc-address? (prescale serve --help lists them)"),
            (["--frobnicate", "1"], "--frobnicate: is not a setting (prescale serve --help lists them)"),
            (["--max-triggers"], "--max-triggers: needs a value: --max-triggers VALUE or --max-triggers=VALUE"),
            (["serve-now"], "argument \"serve-now\": is not a flag; settings are given as --name value or --name=value"),
        ])
    func badArguments(_ arguments: [String], _ message: String) {
        #expect {
            _ = try ServerConfiguration.flagValues(from: arguments)
        } throws: { error in
            (error as? ConfigurationError)?.description == message
        }
    }

    @Test("the help lists every setting once, in the table's order, with its help")
    func help() {
        let flags = ServerConfiguration.commandLineHelp.split(separator: "\n").filter { $0.hasPrefix("  --") }
        #expect(flags.map { String($0.dropFirst(4).split(separator: " ")[0]) } == ServerConfiguration.settingNames)
        #expect(ServerConfiguration.commandLineHelp.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}
