// swift-tools-version: 6.1
// A research project that uses SHOTVAE as a dependency: it subclasses an objective and adds a
// layer of its own. Built and run by `make test`, so API breaks show up at once.
import PackageDescription

let package = Package(
    name: "CustomObjective",
    platforms: [.macOS(.v15)],
    dependencies: [
        // `traits: []`: only the library, without the examples' argument-parser.
        .package(name: "SHOTVAE", path: "../..", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "CustomObjective",
            dependencies: [.product(name: "SHOTVAE", package: "SHOTVAE")]
        ),
    ]
)
