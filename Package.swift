// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The CPU the Swift code is compiled for. SHOTVAE_TARGET_CPU names it (`haswell`, `native`,
// ...; empty for portable x86-64 code). Unset, a build of this package itself (or as a local
// path dependency) on a Linux machine whose processor has AVX2 and FMA is compiled for
// `haswell`, which doubles the width of the engine's eight-lane loops; a build as a versioned
// dependency (checked out under `checkouts/`, where SwiftPM refuses unsafe flags) and any other
// machine get portable code.
func targetCPU() -> String? {
    if let chosen = Context.environment["SHOTVAE_TARGET_CPU"] { return chosen.isEmpty ? nil : chosen }
    guard !Context.packageDirectory.contains("/checkouts/"),
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })?.split(separator: " ")
    else { return nil }
    return flags.contains("avx2") && flags.contains("fma") ? "haswell" : nil
}
let swiftSettings: [SwiftSetting] = targetCPU().map { [.unsafeFlags(["-target-cpu", $0])] } ?? []

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
            path: "Benchmarks/Bench",
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
