import Foundation
import Testing

/// The package root, found from this file's path (Tests/SHOTVAETests/Support/).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `Tests/SHOTVAETests/Fixtures/<script>` with `interpreter` (Debian's python3 unless
/// given) and `arguments`, and returns what it wrote on standard output; records an issue
/// naming `needs` (what `make test` installs for it) when the script fails.
@discardableResult
func runFixtureScript(
    _ script: String, _ arguments: [String], interpreter: URL = URL(fileURLWithPath: "/usr/bin/python3"), needs: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> Data {
    let process = Process()
    process.executableURL = interpreter
    process.arguments = [packageRoot.appendingPathComponent("Tests/SHOTVAETests/Fixtures/" + script).path] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read both pipes to their ends, the error pipe on its own thread, so that neither fills up.
    nonisolated(unsafe) var messages = Data()
    let reader = Thread { messages = errors.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    #expect(process.terminationStatus == 0, "\(script) \(arguments.first ?? "") failed (make test installs \(needs)): \(String(decoding: messages, as: UTF8.self))",
            sourceLocation: sourceLocation)
    return data
}
