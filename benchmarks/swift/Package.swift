// swift-tools-version:6.1
// Micro-benchmarks of the hot path in isolation: registry lookup and KEDA value encoding.
// A separate package so that the main build and `swift test` never compile the benchmark harness.
//
//   cd benchmarks/swift && swift run -c release PrescaleBenchmarks
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
        )
    ]
)
