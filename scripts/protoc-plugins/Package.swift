// swift-tools-version:6.1
// Builds the two protoc plugins that scripts/generate-proto uses, from the local package copies.
// Nothing here is part of the shipped package.
import PackageDescription

let package = Package(
    name: "protoc-plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ],
    targets: [
        .executableTarget(name: "noop", path: "noop")
    ]
)
