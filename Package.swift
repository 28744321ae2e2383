// swift-tools-version: 6.1
import PackageDescription

// The CPU the Swift code is compiled for: portable x86-64 (or the platform's baseline) unless
// the environment variable SHOTVAE_TARGET_CPU names one, as in
//
//     SHOTVAE_TARGET_CPU=haswell swift build -c release
//
// `haswell` (AVX2 and FMA) does each of the engine's eight-lane vector operations in one
// instruction instead of two; `native` is the build machine's own processor. Unset or empty,
// the code runs on any x86-64 CPU. The binary of a CPU-specific build stops with an illegal
// instruction on a processor without that instruction set, so it is an explicit choice of
// whoever builds, never a guess from the build machine: the Makefile makes that choice for its
// own targets (`make demo`, `make test`, `make bench`, `make compare`) when the machine has
// AVX2 and FMA. The matrix products and channels-last copies (the C target CSHOTVAEKernels) pick
// their instruction set, AVX2 or AVX-512, at run time in any build.
//
// The choice is passed as an unsafe flag, which SwiftPM accepts in a root package and in a
// local (path) dependency; for a versioned dependency it stops with "the target 'SHOTVAE' in
// product 'SHOTVAE' contains unsafe build flags", so leave the variable unset there.
//
// A named CPU must have FMA (haswell and later, or `native` on such a machine): the build then
// defines SHOTVAE_FUSED_MULTIPLY_ADD, and the engine's portable Swift product (run on CPUs
// without AVX2) uses fused multiply-adds, which portable code would make a library call per lane.
let targetCPU = Context.environment["SHOTVAE_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 }
let swiftSettings: [SwiftSetting] = targetCPU.map {
    [.unsafeFlags(["-target-cpu", $0]), .define("SHOTVAE_FUSED_MULTIPLY_ADD")]
} ?? []

// The examples' option parser, present when the `Examples` trait is on.
let argumentParser: Target.Dependency = .product(
    name: "ArgumentParser", package: "swift-argument-parser", condition: .when(traits: ["Examples"]))

let package = Package(
    name: "SHOTVAE",
    platforms: [.macOS(.v15)],
    products: [
        // MARK: - Public API
        .library(name: "SHOTVAE", targets: ["SHOTVAE"]),
        .library(name: "SHOTVAEDistributed", targets: ["SHOTVAEDistributed"]),
        .executable(name: "shotvae-mnist", targets: ["shotvae-mnist"]),
        .executable(name: "shotvae-cifar", targets: ["shotvae-cifar"]),
        .executable(name: "shotvae-bench", targets: ["shotvae-bench"]),
    ],
    // The examples' option parsing is a trait, on by default, so that a package that only uses
    // the library can leave argument-parser unfetched by declaring the dependency with
    // `traits: []`. (SwiftPM skips a dependency only when every use of it is behind a disabled
    // trait; the docc plugin, which no target uses, is never fetched by dependents.)
    //
    // Training on several processes is the `Distributed` trait, off by default: it links Open
    // MPI (Debian's libopenmpi-dev), which a run in one process never needs. Without it,
    // `SHOTVAEDistributed` offers only the one-process communicator.
    traits: [
        .trait(name: "Examples", description: "The example executables' options (swift-argument-parser)."),
        .trait(name: "Distributed", description: "Data-parallel training over Open MPI (libopenmpi-dev)."),
        .default(enabledTraits: ["Examples"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: - Public API
        .target(
            name: "SHOTVAE",
            dependencies: ["CZlib", "CSHOTVAEKernels", "CSHOTVAEImages"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "SHOTVAEDistributed",
            dependencies: ["SHOTVAE", .target(name: "CMPI", condition: .when(traits: ["Distributed"]))],
            swiftSettings: swiftSettings
        ),

        // MARK: - Examples
        .executableTarget(
            name: "shotvae-mnist",
            dependencies: ["SHOTVAE", "SHOTVAEDistributed", argumentParser],
            path: "Examples/MNIST",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "shotvae-cifar",
            dependencies: ["SHOTVAE", "SHOTVAEDistributed", argumentParser],
            path: "Examples/CIFAR",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "shotvae-bench",
            dependencies: ["SHOTVAE", "SHOTVAEDistributed", "CBLAS", argumentParser],
            path: "Benchmarks/Bench",
            swiftSettings: swiftSettings
        ),

        // MARK: - Implementation details
        // The engine's innermost loops, compiled once per x86-64 instruction set and chosen
        // at run time (Sources/SHOTVAE/Engine/Kernels/InstructionSet.swift).
        .target(name: "CSHOTVAEKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // PNG and JPEG decoding for image folders, over Debian's libpng16 and libjpeg-turbo
        // (libpng-dev, libjpeg62-turbo-dev), whose errors longjmp: C is where that can happen.
        .target(name: "CSHOTVAEImages", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

        // MARK: - Tests
        .testTarget(
            name: "SHOTVAETests",
            dependencies: ["SHOTVAE", "SHOTVAEDistributed"],
            exclude: [
                "Fixtures/make_fixtures.py", "Fixtures/check_checkpoint.py", "Fixtures/make_cifar_like.py",
                "Fixtures/read_tensorboard.py", "Fixtures/torch_weights.py", "Fixtures/make_image_folder.py",
                "Fixtures/make_svhn_mat.py",
            ],
            resources: [.copy("Fixtures/Data")],
            swiftSettings: swiftSettings
        ),
    ]
)
