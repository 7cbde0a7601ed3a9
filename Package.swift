// swift-tools-version:6.1
import PackageDescription

/// `PRESCALE_SANITIZE=address` (or `thread`) instruments Prescale's own targets, not its dependencies, so
/// that CI can run the tests under a sanitizer after the normal build without rebuilding every dependency
/// (`scripts/sanitizers`). Unset, the manifest is the same as without it.
let sanitizer = Context.environment["PRESCALE_SANITIZE"].map { [$0] } ?? []

let swiftSettings: [SwiftSetting] =
    [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
    ] + sanitizer.map { .unsafeFlags(["-sanitize=\($0)"]) }

/// The sanitizer's runtime, linked into every executable and test bundle when `PRESCALE_SANITIZE` is set.
let linkerSettings: [LinkerSetting] = sanitizer.map { .unsafeFlags(["-sanitize=\($0)"]) }

let package = Package(
    name: "prescale",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "prescale", targets: ["prescale"]),
        .library(name: "PrescaleCore", targets: ["PrescaleCore"]),
        .library(name: "PrescaleServer", targets: ["PrescaleServer"]),
        .library(name: "PrescaleApp", targets: ["PrescaleApp"]),
        .library(name: "PrescaleProtocol", targets: ["PrescaleProtocol"]),
        .library(name: "PrescaleKafka", targets: ["PrescaleKafka"]),
        .library(name: "PrescaleMQTT", targets: ["PrescaleMQTT"]),
        .library(name: "PrescaleSimulator", targets: ["PrescaleSimulator"]),
        .library(name: "PrescaleKubernetes", targets: ["PrescaleKubernetes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/google/swift-benchmark.git", from: "0.1.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Pure core: metadata parsing, trigger specs, values and decisions. No I/O, no dependencies.
        .target(
            name: "PrescaleCore",
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // ChildTasks: work started from anywhere, run as child tasks of one lifecycle service.
        .target(
            name: "PrescaleServices",
            dependencies: [.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // librdkafka through pkg-config (Debian: librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Kafka consumer-group lag: the librdkafka client and the shared samplers.
        .target(
            name: "PrescaleKafka",
            dependencies: [
                "PrescaleServices",
                "CRdKafka",
                "PrescaleCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // librdkafka's mock cluster, a test producer and an offset committer: for `prescale mock-kafka`,
        // `prescale demo`, benchmarks and tests. Not part of the server.
        .target(
            name: "PrescaleKafkaMock",
            dependencies: ["CRdKafka", "PrescaleCore", "PrescaleKafka"],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // libmosquitto through pkg-config (Debian: libmosquitto-dev).
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // MQTT arrival rate and mosquitto's $SYS backlog: the libmosquitto client, shared connections.
        .target(
            name: "PrescaleMQTT",
            dependencies: [
                "PrescaleServices",
                "CMosquitto",
                "PrescaleCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // Direct actuation: a minimal Kubernetes API client (HTTPS only), the actuator and the lease.
        .target(
            name: "PrescaleKubernetes",
            dependencies: [
                "PrescaleCore",
                "PrescaleServices",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // Test support: a real mosquitto broker process, a publisher, a recording sample sink, and a fake
        // Kubernetes API server over HTTPS that enforces the API's contract.
        .target(
            name: "PrescaleTesting",
            dependencies: [
                "CMosquitto",
                "PrescaleCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // `prescale simulate`: trace readers, control-path models and scoring; drives the core's planner.
        .target(
            name: "PrescaleSimulator",
            dependencies: ["PrescaleCore"],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // Code generated from proto/externalscaler.proto by scripts/generate-proto. Do not edit.
        .target(
            name: "PrescaleProtocol",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Adapters around the core: the ExternalScaler service, trigger registry, HTTP, metrics. It knows
        // sources and the cluster only through PrescaleCore's protocols (ServerAdapters), never their modules.
        .target(
            name: "PrescaleServer",
            dependencies: [
                "PrescaleCore",
                "PrescaleServices",
                "PrescaleProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // The composition root of `prescale serve`: the built-in sources (Kafka, MQTT, static) and the
        // Kubernetes services, built from ServerConfiguration and handed to ScalerServer.
        .target(
            name: "PrescaleApp",
            dependencies: [
                "PrescaleCore",
                "PrescaleServer",
                "PrescaleKafka",
                "PrescaleMQTT",
                "PrescaleKubernetes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // `prescale demo`: mock Kafka, load replay, the real gRPC server and a KEDA-like loop in one process.
        .target(
            name: "PrescaleDemo",
            dependencies: [
                "PrescaleCore",
                "PrescaleSimulator",
                "PrescaleKafka",
                "PrescaleKafkaMock",
                "PrescaleMQTT",
                "PrescaleProtocol",
                "PrescaleServer",
                "PrescaleApp",
                "PrescaleKubernetes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        .executableTarget(
            name: "prescale",
            dependencies: [
                "PrescaleDemo",
                "PrescaleKafka",
                "PrescaleKafkaMock",
                "PrescaleSimulator",
                "PrescaleServer",
                "PrescaleApp",
                "PrescaleCore",
                "PrescaleProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        // Benchmarks (docs/benchmarks.md): run with `swift run -c release PrescaleBenchmarks` and
        // `swift run -c release KafkaLagBenchmark 1000 10000`. Timing goals live there, never in tests.
        .executableTarget(
            name: "PrescaleBenchmarks",
            dependencies: [
                "PrescaleServer",
                "PrescaleApp",
                "PrescaleKafka",
                "PrescaleMQTT",
                "PrescaleCore",
                "PrescaleProtocol",
                .product(name: "Benchmark", package: "swift-benchmark"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Benchmarks/PrescaleBenchmarks"
        ),
        // The floor of a gRPC server on swift-nio-http2 (scripts/bench-http2-floor, docs/benchmarks.md).
        .executableTarget(
            name: "HTTP2FloorBenchmark",
            dependencies: [
                "PrescaleProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Benchmarks/HTTP2FloorBenchmark"
        ),
        // gRPC core's C API (libgrpc-dev) for the GRPCCoreBenchmark prototype; not linked into the server.
        // Linked by name (libgrpc, libgpr): pkg-config's answer for grpc carries flags SwiftPM refuses.
        .systemLibrary(
            name: "CGRPCCore",
            path: "Benchmarks/CGRPCCore",
            providers: [.apt(["libgrpc-dev"])]
        ),
        // A measured prototype: GetMetrics through gRPC core from Swift over Prescale's registry
        // (scripts/bench-grpc-core, docs/benchmarks.md).
        .executableTarget(
            name: "GRPCCoreBenchmark",
            dependencies: [
                "CGRPCCore",
                "PrescaleCore",
                "PrescaleServer",
                "PrescaleProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Benchmarks/GRPCCoreBenchmark"
        ),
        .executableTarget(
            name: "KafkaLagBenchmark",
            dependencies: ["PrescaleKafka", "PrescaleKafkaMock", "PrescaleCore"],
            path: "Benchmarks/KafkaLagBenchmark"
        ),
        .testTarget(
            name: "PrescaleCoreTests",
            dependencies: ["PrescaleCore"],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        .testTarget(
            name: "PrescaleSimulatorTests",
            dependencies: ["PrescaleSimulator", "PrescaleCore"],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        .testTarget(
            name: "PrescaleDemoTests",
            dependencies: ["PrescaleDemo"],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        .testTarget(
            name: "PrescaleKafkaTests",
            dependencies: ["CRdKafka", "PrescaleKafka", "PrescaleKafkaMock", "PrescaleCore", "PrescaleTesting"],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        .testTarget(
            name: "PrescaleKubernetesTests",
            dependencies: [
                "PrescaleKubernetes", "PrescaleCore", "PrescaleTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        .executableTarget(
            name: "ActuationBenchmark",
            dependencies: [
                "PrescaleKubernetes", "PrescaleCore", "PrescaleTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ActuationBenchmark"
        ),
        .testTarget(
            name: "PrescaleMQTTTests",
            dependencies: ["PrescaleMQTT", "PrescaleTesting", "PrescaleCore"],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
        .testTarget(
            name: "PrescaleServerTests",
            dependencies: [
                "PrescaleServer",
                "PrescaleApp",
                "PrescaleCore",
                "PrescaleProtocol",
                "PrescaleKafka",
                "PrescaleKafkaMock",
                "PrescaleMQTT",
                "PrescaleServices",
                "PrescaleTesting",
                "PrescaleKubernetes",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: linkerSettings
        ),
    ]
)
