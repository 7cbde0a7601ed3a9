// swift-tools-version:6.1
// Micro-benchmarks of the hot path in isolation (registry lookup, KEDA value encoding) and the time to
// read one consumer group's lag across many partitions on librdkafka's mock cluster.
// A separate package so that the main build and `swift test` never compile the benchmark harness.
//
//   cd benchmarks/swift && swift run -c release PrescaleBenchmarks
//   cd benchmarks/swift && swift run -c release KafkaLagBenchmark 1000 10000
import PackageDescription

let package = Package(
    name: "prescale-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/google/swift-benchmark.git", exact: "0.1.2"),
    ],
    targets: [
        .executableTarget(
            name: "PrescaleBenchmarks",
            dependencies: [
                .product(name: "PrescaleServer", package: "prescale"),
                .product(name: "PrescaleCore", package: "prescale"),
                .product(name: "PrescaleProtocol", package: "prescale"),
                .product(name: "Benchmark", package: "swift-benchmark"),
            ]
        ),
        .executableTarget(
            name: "KafkaLagBenchmark",
            dependencies: [
                .product(name: "PrescaleKafka", package: "prescale"),
                .product(name: "PrescaleCore", package: "prescale"),
            ]
        ),
    ]
)
