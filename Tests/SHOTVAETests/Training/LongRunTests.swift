import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import SHOTVAE

/// Long-run hygiene: memory stays flat over many steps, and a run killed with SIGKILL resumes
/// from its last checkpoint to the same result as an uninterrupted run.
@Suite(.serialized) struct LongRunTests {
    let scratch = TemporaryFolder()

    /// An executable built next to the test bundle.
    func executable(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// 1,000 SHOT-VAE steps of the MLP VAE in a process of their own (`shotvae-bench memory`):
    /// after 100 steps of warm-up, resident memory grows by less than 8 MiB (the graph is
    /// released every step and buffers are reused).
    @Test func memoryStaysFlatOverAThousandSteps() throws {
        let process = Process()
        process.executableURL = executable("shotvae-bench")
        process.arguments = ["memory", "--steps", "1000", "--json"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let samples = (object["samples"] as! [[String: Double]]).map { $0["resident_mib"]! }
        #expect(samples.count == 10)
        let growth = (object["growth_after_first_sample_mib"] as! NSNumber).doubleValue
        #expect(growth < 8, "resident memory after 100, 200, ... 1000 steps: \(samples.map { String(format: "%.1f", $0) }) MiB")
    }

    /// Runs the `shotvae-mnist` executable built next to the test bundle.
    func runExample(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable("shotvae-mnist")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGKILL in the middle of the second epoch, then `--resume`: the run continues from the
    /// first epoch's checkpoint and ends with exactly the parameters of an uninterrupted run.
    @Test func killedExampleResumesToTheUninterruptedResult() throws {
        let common = ["--epochs", "2", "--batch-size", "500", "--seed", "11"]
        let reference = scratch.file("reference")
        let uninterrupted = try runExample(common + ["--output", reference.path])
        uninterrupted.waitUntilExit()
        #expect(uninterrupted.terminationStatus == 0)

        let folder = scratch.file("killed")
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        let victim = try runExample(common + ["--output", folder.path])
        // Wait for the first epoch's checkpoint, then a moment into the second epoch.
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        Thread.sleep(forTimeInterval: 2)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal)
        let survivor = try Checkpoint(contentsOf: checkpoint)
        #expect(survivor.counters["epoch"] == 1, "the last complete checkpoint is the first epoch's")

        let resumed = try runExample(common + ["--output", folder.path, "--resume"])
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)
        let a = try Checkpoint(contentsOf: reference.appendingPathComponent("checkpoint.safetensors"))
        let b = try Checkpoint(contentsOf: checkpoint)
        #expect(a.counters["step"] == b.counters["step"])
        for (x, y) in zip(a.parameters, b.parameters) {
            #expect(x.name == y.name && x.value == y.value, "\(x.name) differs after kill and resume")
        }
        let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
    }
}
