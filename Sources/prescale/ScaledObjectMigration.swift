import PrescaleCore
import Yams

/// Turns ScaledObjects that use KEDA's `kafka` trigger into ScaledObjects that use Prescale, for
/// `prescale migrate`: each `kafka` trigger becomes `external-push` with `scalerAddress` and
/// `source: kafka` and every other key kept; the HPA behaviour Prescale's value is planned for is added
/// where the ScaledObject sets none; credentials from a TriggerAuthentication (which KEDA does not
/// forward to an external scaler) become `*FromEnv` keys and file names, each with the step the user
/// must take. Anything it cannot convert is refused, naming the ScaledObject, the trigger and the key.
struct ScaledObjectMigration {
    /// Something that cannot be converted.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The result: the converted documents, and what the user must do for them to work.
    struct Outcome {
        var documents: [Node]
        var steps: [String]
    }

    /// Where KEDA reaches Prescale.
    var scalerAddress: String
    /// The environment variable prefix for credentials moved to the scale target's environment.
    static let environmentPrefix = "PRESCALE_KAFKA_"
    /// Values that stand in for what KEDA resolves from the environment, when checking a trigger.
    static let resolvedStandIn = [
        "bootstrapServers": "resolved-from-env:9092", "consumerGroup": "resolved-from-env", "topic": "resolved-from-env",
        "username": "resolved-from-env", "password": "resolved-from-env",
    ]
    /// Server-set fields that `kubectl get -o yaml` prints and an applied object must not carry.
    static let serverFields = ["resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink"]

    /// Converts every ScaledObject in `text` (one or many YAML documents, or a `kind: List`).
    /// TriggerAuthentications in the input are read for the credentials they name and not printed.
    func migrate(_ text: String) throws -> Outcome {
        var objects: [Node] = []
        do {
            var documents = try Yams.compose_all(yaml: text)
            while let document = documents.next() {
                if document["kind"]?.string == "List", let items = document["items"]?.sequence {
                    objects += Array(items)
                } else {
                    objects.append(document)
                }
            }
            if let error = documents.error { throw error }
        } catch {
            throw Refusal(description: "the input is not YAML: \(error)")
        }
        let authentications = Dictionary(
            objects.compactMap { object -> (String, Node)? in
                guard let kind = object["kind"]?.string, kind == "TriggerAuthentication" || kind == "ClusterTriggerAuthentication",
                    let name = object["metadata"]?["name"]?.string
                else { return nil }
                let namespace = kind == "ClusterTriggerAuthentication" ? "" : object["metadata"]?["namespace"]?.string ?? ""
                return ("\(kind)/\(namespace)/\(name)", object)
            }, uniquingKeysWith: { first, _ in first })
        let scaledObjects = objects.filter { $0["kind"]?.string == "ScaledObject" }
        guard !scaledObjects.isEmpty else {
            throw Refusal(description: "the input holds no ScaledObject (kind: ScaledObject)")
        }
        var outcome = Outcome(documents: [], steps: [])
        for object in scaledObjects {
            outcome.documents.append(try self.convert(object, authentications: authentications, steps: &outcome.steps))
        }
        return outcome
    }

    private func convert(_ object: Node, authentications: [String: Node], steps: inout [String]) throws -> Node {
        guard var root = object.mapping, var metadata = root["metadata"]?.mapping, let name = metadata["name"]?.string else {
            throw Refusal(description: "a ScaledObject without metadata.name")
        }
        let namespace = metadata["namespace"]?.string ?? "default"
        let label = "ScaledObject \(namespace)/\(name)"
        for field in Self.serverFields { metadata[field] = nil }
        if var annotations = metadata["annotations"]?.mapping {
            annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
            metadata["annotations"] = annotations.isEmpty ? nil : .mapping(annotations)
        }
        root["metadata"] = .mapping(metadata)
        root["status"] = nil
        guard var spec = root["spec"]?.mapping, let triggers = spec["triggers"]?.sequence, !triggers.isEmpty else {
            throw Refusal(description: "\(label): no spec.triggers")
        }
        var converted: [Node] = []
        var kafkaTriggers = 0
        for (index, trigger) in triggers.enumerated() {
            let type = trigger["type"]?.string ?? ""
            guard type == "kafka" else {
                converted.append(trigger)
                if !["external", "external-push"].contains(type) {
                    steps.append(
                        "\(label) trigger \(index) (\(type.isEmpty ? "no type" : type)): kept as it is (only kafka triggers move to Prescale)"
                    )
                }
                continue
            }
            kafkaTriggers += 1
            converted.append(
                try self.convertKafka(
                    trigger, where: "\(label) trigger \(index) (kafka)", namespace: namespace, scaledObject: name,
                    authentications: authentications, steps: &steps))
        }
        spec["triggers"] = .sequence(Node.Sequence(converted))
        if kafkaTriggers > 0 {
            self.addBehavior(&spec, label: label, steps: &steps)
            self.addCooldown(&spec, label: label, steps: &steps)
        }
        root["spec"] = .mapping(spec)
        return .mapping(root)
    }

    private func convertKafka(
        _ trigger: Node, where label: String, namespace: String, scaledObject: String, authentications: [String: Node],
        steps: inout [String]
    ) throws -> Node {
        guard var old = trigger.mapping else { throw Refusal(description: "\(label): not a mapping") }
        var given: [(String, String)] = []
        for (key, value) in old["metadata"]?.mapping ?? [:] {
            guard let key = key.string, let value = value.string else {
                throw Refusal(description: "\(label): metadata values must be strings")
            }
            given.append((key, value))
        }
        for reserved in ["scalerAddress", "source"] where given.contains(where: { $0.0 == reserved }) {
            throw Refusal(description: "\(label): metadata key \"\(reserved)\" is Prescale's own; remove it from the kafka trigger")
        }
        if let reference = old["authenticationRef"] {
            given += try self.credentials(
                reference, where: label, namespace: namespace, scaledObject: scaledObject, authentications: authentications, steps: &steps)
            old["authenticationRef"] = nil
        }
        if given.contains(where: { ["ca", "cert", "key"].contains($0.0) }) && !given.contains(where: { $0.0 == "tls" }) {
            given.append(("tls", "enable"))
        }
        let metadata: [(String, String)] = [("scalerAddress", self.scalerAddress), ("source", "kafka")] + given
        // Whatever Prescale would refuse at the first call is refused here, naming the key. A *FromEnv
        // key holds the name of an environment variable here; KEDA sends its value, so a stand-in value
        // is checked in its place.
        var checked = Dictionary(metadata, uniquingKeysWith: { _, last in last })
        for key in KafkaTriggerSpec.fromEnvKeys where checked[key + MetadataReader.fromEnvSuffix] != nil && checked[key] == nil {
            checked[key + MetadataReader.fromEnvSuffix] = Self.resolvedStandIn[key]
        }
        do {
            _ = try TriggerSpec(metadata: checked)
        } catch {
            throw Refusal(description: "\(label): \(error)")
        }
        old["type"] = Node("external-push")
        old["metadata"] = .mapping(Node.Mapping(metadata.map { (Node($0.0), Node($0.1, Tag(.str), .doubleQuoted)) }))
        return .mapping(old)
    }

    /// The metadata a TriggerAuthentication's parameters become, with the step each needs.
    private func credentials(
        _ reference: Node, where label: String, namespace: String, scaledObject: String, authentications: [String: Node],
        steps: inout [String]
    ) throws -> [(String, String)] {
        guard let name = reference["name"]?.string else { throw Refusal(description: "\(label): authenticationRef without a name") }
        let kind = reference["kind"]?.string ?? "TriggerAuthentication"
        let key = "\(kind)/\(kind == "ClusterTriggerAuthentication" ? "" : namespace)/\(name)"
        guard let authentication = authentications[key] else {
            throw Refusal(
                description:
                    "\(label): key \"authenticationRef\" names \(kind) \(name), which is not in the input; KEDA does not forward its parameters to an external scaler, so add it (kubectl get \(kind.lowercased()) \(name) -o yaml) and run migrate again"
            )
        }
        for source in ["env", "hashiCorpVault", "azureKeyVault", "gcpSecretManager", "awsSecretManager", "podIdentity"]
        where authentication["spec"]?[source] != nil {
            throw Refusal(
                description:
                    "\(label): \(kind) \(name) uses spec.\(source); only spec.secretTargetRef can be converted (key \"authenticationRef\")")
        }
        var metadata: [(String, String)] = []
        for entry in authentication["spec"]?["secretTargetRef"]?.sequence ?? [] {
            guard let parameter = entry["parameter"]?.string, let secret = entry["name"]?.string, let secretKey = entry["key"]?.string
            else {
                throw Refusal(description: "\(label): \(kind) \(name) has a secretTargetRef without parameter, name and key")
            }
            let from = "Secret \(namespace)/\(secret) key \(secretKey)"
            switch parameter {
            case "username", "password":
                let variable = Self.environmentPrefix + parameter.uppercased()
                metadata.append(("\(parameter)FromEnv", variable))
                steps.append(
                    "\(label): \(parameter) comes from \(from): add to the scale target's container env "
                        + "{name: \(variable), valueFrom: {secretKeyRef: {name: \(secret), key: \(secretKey)}}}; KEDA resolves \(parameter)FromEnv from it"
                )
            case "ca", "cert", "key":
                let file = "\(scaledObject)-\(parameter).pem"
                metadata.append((parameter, file))
                steps.append(
                    "\(label): \(parameter) comes from \(from): put it as key \(file) in Secret prescale-credentials-\(namespace) "
                        + "(Prescale mounts it under --credentials-dir when \(namespace) is listed in the chart's credentials.namespaces)")
            default:
                throw Refusal(
                    description:
                        "\(label): \(kind) \(name) parameter \"\(parameter)\" comes from \(from), which Prescale cannot read; put its value in the trigger's metadata if it is not secret (sasl, tls), and run migrate again"
                )
            }
        }
        return metadata
    }

    /// Adds `HPABehavior.prescale` where the ScaledObject sets no behaviour; keeps one it sets.
    private func addBehavior(_ spec: inout Node.Mapping, label: String, steps: inout [String]) {
        var advanced = spec["advanced"]?.mapping ?? [:]
        var hpa = advanced["horizontalPodAutoscalerConfig"]?.mapping ?? [:]
        if hpa["behavior"] != nil {
            steps.append("\(label): keeps its own HPA behaviour; Prescale's value is planned for \(Self.shippedBehaviorSummary)")
            return
        }
        hpa["behavior"] = try? Yams.compose(yaml: HPABehavior.prescale.yaml(indent: 0))
        advanced["horizontalPodAutoscalerConfig"] = .mapping(hpa)
        spec["advanced"] = .mapping(advanced)
    }

    /// Adds `cooldownPeriod: KEDACooldown.prescaleSeconds` where the ScaledObject sets none (KEDA's 300 s
    /// would apply); keeps one it sets.
    private func addCooldown(_ spec: inout Node.Mapping, label: String, steps: inout [String]) {
        if let own = spec["cooldownPeriod"] {
            steps.append(
                "\(label): keeps its cooldownPeriod \(own.string ?? "?") s; Prescale's ScaledObjects ship \(KEDACooldown.prescaleSeconds) s (scale to zero a minute after the last activity)"
            )
            return
        }
        spec["cooldownPeriod"] = Node(String(KEDACooldown.prescaleSeconds), Tag(.int))
    }

    static let shippedBehaviorSummary =
        "scale-up in one step and no scale-down window: Prescale's value holds replicas \(Int(ScaleDownHold.window - ScaleDownHold.bucketSeconds))-\(Int(ScaleDownHold.window)) s after they were needed, less once a recurring burst has ended (spec.advanced.horizontalPodAutoscalerConfig.behavior of deploy/keda/scaledobject-kafka.yaml)"
}
