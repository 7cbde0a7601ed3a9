extension MQTTTriggerSpec {
    /// Every key this source reads.
    public static let keys: Set<String> = [
        "source", "brokerAddress", "topic", "queryValue", "activationQueryValue", "windowSeconds", "qos",
        "backlog", "username", "password", "usernameFromEnv", "passwordFromEnv", "allowInsecureAuth", "ca",
        "cert", "key", "unsafeSsl", "brokerAddressFromEnv", "topicFromEnv",
    ]

    /// Keys that may come as `<key>FromEnv`, resolved by KEDA from the scale target's environment.
    public static let fromEnvKeys = ["brokerAddress", "topic", "username", "password"]

    /// Parses `source: mqtt` trigger metadata.
    public init(metadata given: MetadataReader) throws(MetadataError) {
        try given.rejectLikelyTypos(knownKeys: Self.keys.union(PredictionSpec.keys).union(TriggerSpec.commonKeys))
        let reader = try given.resolvingFromEnv(Self.fromEnvKeys)
        let broker = try MQTTBrokerAddress(
            parsing: try reader.requiredString("brokerAddress", allowed: "\"mqtt://host:port\" or \"mqtts://host:port\""))
        let topic = try MQTTTopicFilter(try reader.requiredString("topic", allowed: "an MQTT topic filter such as \"sensors/+/readings\""))
        self.init(broker: broker, topic: topic, queryValue: try reader.double("queryValue", default: nil, in: .positive))
        self.activationQueryValue = try reader.double("activationQueryValue", default: 0, in: .nonNegative)
        self.windowSeconds = try reader.integer("windowSeconds", default: 30, in: 1...3_600)
        self.qos = try reader.integer("qos", default: 1, in: 0...2)
        self.backlog = try reader.choice("backlog", default: Backlog.none)
        self.username = reader.string("username")
        self.password = reader.string("password")
        if self.password != nil && self.username == nil {
            throw MetadataError(
                .conflict, key: given.string("password") != nil ? "password" : "passwordFromEnv",
                allowed: "a password needs \"username\" (or \"usernameFromEnv\")")
        }
        let allowInsecureAuth = try reader.bool("allowInsecureAuth", default: false)
        if self.username != nil && !broker.usesTLS && !allowInsecureAuth {
            throw MetadataError(
                .conflict, key: given.string("username") != nil ? "username" : "usernameFromEnv",
                allowed: "credentials are sent in clear text over mqtt://; use mqtts:// or set allowInsecureAuth: \"true\"")
        }
        let files = TLSFiles(
            ca: reader.string("ca"), cert: reader.string("cert"), key: reader.string("key"),
            unsafeSsl: try reader.bool("unsafeSsl", default: false))
        if broker.usesTLS {
            if (files.cert == nil) != (files.key == nil) {
                throw MetadataError(
                    .missingKey, key: files.cert == nil ? "cert" : "key",
                    allowed: "a path; \"cert\" and \"key\" go together")
            }
            self.tls = files
        } else {
            for tlsKey in ["ca", "cert", "key"] where reader.string(tlsKey) != nil {
                throw MetadataError(
                    .conflict, key: tlsKey, value: reader.string(tlsKey),
                    allowed: "TLS files need an mqtts:// brokerAddress")
            }
        }
    }
}
