import Foundation
import Testing

@testable import SHOTVAE

/// The example executables, built next to the test bundle, answer mistakes in their options
/// and files with the real problem.
@Suite struct CommandLineTests {
    let scratch = TemporaryFolder()

    /// Runs an executable built next to the test bundle; returns its exit status and what it
    /// wrote on standard error.
    func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A negative number after a numeric option is its value, not a flag: `validate()` answers.
    @Test(arguments: [
        (["--time-budget", "-1"], "--time-budget must be a positive number of minutes."),
        (["--labels", "-10"], "--labels must be positive"),
        (["--epochs", "-1"], "--epochs must be positive."),
        (["--batch-size", "-128"], "Batch sizes must be positive."),
        (["--labeled-batch-size", "-4"], "Batch sizes must be positive."),
        (["--learning-rate", "-1e-3"], "--learning-rate must be positive."),
        (["--label-weight", "-50"], "--label-weight cannot be negative."),
        (["--unlabeled-weight", "-1"], "--unlabeled-weight cannot be negative."),
        (["--unlabeled-ramp", "-10"], "--unlabeled-ramp cannot be negative."),
        (["--matching-weight", "-1"], "--matching-weight cannot be negative."),
        (["--elbo-weight", "-0.1"], "--elbo-weight cannot be negative."),
        (["--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
    ])
    func mnistNegativeValueGetsItsOwnMessage(arguments: [String], message: String) throws {
        let result = try run("shotvae-mnist", arguments)
        #expect(result.status != 0)
        #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
        #expect(!result.errors.contains("Missing value"), "\(arguments): \(result.errors)")
    }

    @Test(arguments: [
        (["--time-budget", "-1"], "--time-budget must be a positive number of minutes."),
        (["--labels", "-10"], "--labels must be a positive multiple of 10"),
        (["--epochs", "-1"], "--epochs must be positive."),
        (["--batch-size", "-64"], "--batch-size must be positive."),
        (["--validation-per-class", "-1"], "--validation-per-class cannot be negative."),
        (["--step-budget", "-1"], "--step-budget must be a positive number of steps."),
        (["--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
    ])
    func cifarNegativeValueGetsItsOwnMessage(arguments: [String], message: String) throws {
        let result = try run("shotvae-cifar", ["--data-dir", scratch.url.path] + arguments)
        #expect(result.status != 0)
        #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
        #expect(!result.errors.contains("Missing value"), "\(arguments): \(result.errors)")
    }

    /// `shotvae-cifar --objective` trains the baselines on the CIFAR recipe too: one step of
    /// each on generated CIFAR-10 files, its objective named in the log and the run's record.
    @Test(arguments: ["smooth-elbo", "m2", "supervised"])
    func cifarTrainsEachObjective(objective: String) throws {
        let data = scratch.file("cifar-10-batches-bin")
        try CIFARTests.writeFolder(data, variant: .cifar10, perFile: 12)
        let output = scratch.file("run-\(objective)")
        let result = try run("shotvae-cifar", [
            "--data-dir", data.path, "--objective", objective, "--labels", "20", "--validation-per-class", "1",
            "--batch-size", "8", "--step-budget", "1", "--output", output.path,
        ])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("\(objective) objective with wrn-28-2"), "\(result.errors)")
        let summary = try String(contentsOf: output.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains("\"objective\" : \"\(objective)\""), "\(summary)")
    }

    /// Both tools train on a folder of PNG and JPEG images (ImageFolderTests' generated one,
    /// resized, one with a label file), and name the folder when it is neither their official
    /// files nor an image folder.
    @Test func bothToolsTrainOnAnImageFolder() throws {
        // The generator's scratch folder lives as long as it does.
        let generator = ImageFolderTests()
        defer { withExtendedLifetime(generator) {} }
        let (root, _) = try generator.makeFolder("images")
        let labels = root.appendingPathComponent("labels.txt")
        try "ant/00-rgb.png ant\nbee/01-rgba.png bee\ncat/02-grey.png cat\n".write(to: labels, atomically: true, encoding: .utf8)
        for (tool, options, log) in [
            ("shotvae-mnist", ["--resize", "28", "--labels", "6", "--labeled-batch-size", "2", "--batch-size", "4"], "12 training images (6 labeled), 4 test images"),
            ("shotvae-mnist", ["--resize", "32", "--label-file", labels.path, "--labeled-batch-size", "2", "--batch-size", "4"], "12 training images (3 labeled)"),
            ("shotvae-cifar", ["--resize", "32", "--labels", "3", "--batch-size", "4", "--objective", "m2"], "3 labeled, 12 unlabeled, 0 validation and 4 test images"),
        ] {
            let output = scratch.file("\(tool)-\(options.count)")
            let result = try run(tool, ["--data-dir", root.path, "--step-budget", "2", "--output", output.path] + options)
            #expect(result.status == 0, "\(tool) \(options): \(result.errors)")
            #expect(result.errors.contains("images from \(root.path): ") && result.errors.contains(log), "\(result.errors)")
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("checkpoint.safetensors").path))
        }
        // Images without a class in unlabeled/ join the unlabeled set.
        let unlabeled = root.appendingPathComponent("unlabeled")
        try FileManager.default.createDirectory(at: unlabeled, withIntermediateDirectories: true)
        for name in ["x.png", "y.png"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent("test/ant/t0.png"), to: unlabeled.appendingPathComponent(name))
        }
        for (tool, options, log) in [
            ("shotvae-mnist", ["--resize", "28", "--labels", "6", "--labeled-batch-size", "2", "--batch-size", "4"], "12 training images (6 labeled), 2 unlabeled images without a class, 4 test images"),
            ("shotvae-cifar", ["--resize", "32", "--label-file", labels.path, "--batch-size", "4"], "3 labeled, 14 unlabeled, 0 validation and 4 test images"),
        ] {
            let output = scratch.file("\(tool)-unlabeled-\(options.count)")
            let result = try run(tool, ["--data-dir", root.path, "--step-budget", "2", "--output", output.path] + options)
            #expect(result.status == 0, "\(tool) \(options): \(result.errors)")
            #expect(result.errors.contains(log), "\(result.errors)")
        }
        try FileManager.default.removeItem(at: unlabeled)
        let unresized = try run("shotvae-cifar", ["--data-dir", root.path, "--labels", "3", "--output", scratch.file("small").path])
        #expect(unresized.status != 0 && unresized.errors.contains("are 8x6; the CIFAR model reads 32x32: add --resize 32"), "\(unresized.errors)")
        let empty = scratch.file("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for tool in ["shotvae-mnist", "shotvae-cifar"] {
            let result = try run(tool, ["--data-dir", empty.path, "--output", scratch.file("none").path])
            #expect(result.status != 0 && result.errors.contains("\(empty.path): neither"), "\(result.errors)")
            #expect(result.errors.contains("nor an image folder (train/<class>/ and test/<class>/)"), "\(result.errors)")
        }
        let misplaced = try run("shotvae-cifar", ["--data-dir", empty.path, "--resize", "32", "--output", scratch.file("none").path])
        #expect(misplaced.status != 0 && misplaced.errors.contains("--resize and --label-file apply to an image folder"), "\(misplaced.errors)")
    }

    /// `--dataset svhn` trains on SVHN's MAT files (SVHNTests' generated ones, compressed and
    /// not), with its defaults: 100 validation images per class, no flips.
    @Test(arguments: ["compressed", "plain"])
    func cifarTrainsOnSVHNFiles(variant: String) throws {
        let generator = SVHNTests()
        defer { withExtendedLifetime(generator) {} }
        let folder = try generator.makeFiles().appendingPathComponent(variant)
        let output = scratch.file("svhn-\(variant)")
        let result = try run("shotvae-cifar", [
            "--dataset", "svhn", "--data-dir", folder.path, "--labels", "10", "--validation-per-class", "1",
            "--batch-size", "8", "--step-budget", "1", "--output", output.path,
        ])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("svhn from \(folder.path): 10 labeled, 20 unlabeled, 10 validation and 12 test images"), "\(result.errors)")
        let missing = try run("shotvae-cifar", ["--dataset", "svhn", "--data-dir", scratch.url.path, "--output", scratch.file("none").path])
        #expect(missing.status != 0 && missing.errors.contains("missing: SVHN's official train_32x32.mat"), "\(missing.errors)")
    }

    /// `--resume` with some other file in place of the checkpoint names the file and says it
    /// is not a checkpoint, with the detail.
    @Test func resumingFromRandomBytesSaysItIsNotACheckpoint() throws {
        let checkpoint = scratch.file("checkpoint.safetensors")
        var noise = RandomGenerator(seed: 7)
        try Data((0..<512).flatMap { _ in withUnsafeBytes(of: noise.next().littleEndian) { Array($0) } })
            .write(to: checkpoint)
        let result = try run("shotvae-mnist", ["--resume", "--output", scratch.url.path, "--epochs", "1"])
        #expect(result.status != 0)
        #expect(
            result.errors.contains(
                "\(checkpoint.path): not a SHOTVAE checkpoint (not a valid safetensors file: header length "),
            "\(result.errors)")
    }

    /// A debug build warns that it trains slowly; the release build that `make test` runs does not.
    @Test func warnsAboutOptimisationOnlyInDebugBuilds() throws {
        let result = try run("shotvae-mnist", ["--data-dir", scratch.file("missing").path, "--epochs", "1"])
        #expect(result.status != 0)
        #if DEBUG
        #expect(result.errors.contains("warning: shotvae-mnist was built without optimisation (debug)"))
        #else
        #expect(!result.errors.contains("warning:"), "\(result.errors)")
        #endif
    }
}
