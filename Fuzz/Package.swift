// swift-tools-version: 6.1
// The libFuzzer harness for SHOTVAE's file readers; see README.md. Build it with
// `swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld -Xswiftc -enable-testing`.
import PackageDescription

let package = Package(
    name: "SHOTVAEFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "SHOTVAE", path: "..")
    ],
    targets: [
        // MARK: - The harness
        .executableTarget(
            name: "shotvae-fuzz",
            dependencies: ["CFuzzer", .product(name: "SHOTVAE", package: "SHOTVAE")]
        ),

        // MARK: - Implementation details
        // libFuzzer's entry point, which `-sanitize=fuzzer` links in.
        .target(name: "CFuzzer"),
    ]
)
