// swift-tools-version: 6.1
import PackageDescription

// The CPU the Swift code is compiled for, from the environment: `SHOTVAE_TARGET_CPU=haswell`
// lets the engine's eight-lane loops use AVX2 and FMA instructions, which the Makefile asks
// for when the build machine has them. Unset (a plain `swift build`, or SHOTVAE built as a
// dependency), the code runs on any x86-64 CPU, in 4-lane SSE instructions.
let targetCPU = Context.environment["SHOTVAE_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 }
let swiftSettings: [SwiftSetting] = targetCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? []

let package = Package(
    name: "SHOTVAE",
    platforms: [.macOS(.v15)],
    products: [
        // MARK: - Public API
        .library(name: "SHOTVAE", targets: ["SHOTVAE"]),
        .executable(name: "shotvae-mnist", targets: ["shotvae-mnist"]),
        .executable(name: "shotvae-cifar", targets: ["shotvae-cifar"]),
        .executable(name: "shotvae-bench", targets: ["shotvae-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: - Public API
        .target(
            name: "SHOTVAE",
            dependencies: ["CBLAS", "CZlib"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Examples
        .executableTarget(
            name: "shotvae-mnist",
            dependencies: ["SHOTVAE", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/MNIST",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "shotvae-cifar",
            dependencies: ["SHOTVAE", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/CIFAR",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "shotvae-bench",
            dependencies: [
                "SHOTVAE", "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/Bench",
            swiftSettings: swiftSettings
        ),

        // MARK: - Implementation details
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Tests
        .testTarget(
            name: "SHOTVAETests",
            dependencies: ["SHOTVAE"],
            exclude: ["Fixtures/make_fixtures.py", "Fixtures/check_checkpoint.py", "Fixtures/make_cifar_like.py"],
            resources: [.copy("Fixtures/Data")],
            swiftSettings: swiftSettings
        ),
    ]
)
