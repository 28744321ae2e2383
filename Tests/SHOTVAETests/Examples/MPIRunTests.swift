#if Distributed
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import SHOTVAE

/// `shotvae-mnist` under Open MPI's `mpirun` (built with the `Distributed` trait, as `make test`
/// builds): two processes take the steps one process takes, only process 0 writes, a run
/// begun on two processes resumes on one, and processes started differently are refused.
@Suite struct MPIRunTests {
    let scratch = TemporaryFolder()

    /// Runs `tool` (built next to the test bundle) with `arguments`, under `mpirun`
    /// with one argument list per process when `processes` has several; returns the exit
    /// status and everything written on standard output and error.
    ///
    /// - Parameters:
    ///   - mpirunOptions: Options of `mpirun` itself.
    ///   - whileRunning: Called on a thread of its own with the started process (`mpirun`).
    func run(
        _ tool: String = "shotvae-mnist", processes: [[String]], mpirunOptions: [String] = [],
        whileRunning: (@Sendable (Process) -> Void)? = nil
    ) throws -> (status: Int32, output: String) {
        let program = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(tool).path
        let process = Process()
        var environment = ProcessInfo.processInfo.environment
        // Two threads per process on a 2-core machine would oversubscribe it.
        environment["SHOTVAE_THREADS"] = "1"
        if processes.count == 1 {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = processes[0]
        } else {
            // Open MPI refuses root unless told; the test machines run as root.
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
            // mpirun, with no signal blocked: a test's thread blocks most signals, and a
            // spawned process inherits the mask, which would keep a Ctrl-C from mpirun.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            let unblocked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
            // One program per process (MPMD), so that each may get its own options.
            process.arguments = ["-c", unblocked, "/usr/bin/mpirun", "--oversubscribe", "--bind-to", "none"] + mpirunOptions
                + processes.enumerated().flatMap { index, arguments in
                    (index > 0 ? [":"] : []) + ["-np", "1", program] + arguments
                }
        }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        if let whileRunning {
            let started = UncheckedSendable(process)
            Thread { whileRunning(started.value) }.start()
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The options of a short run of seed 5 into `folder`.
    func options(_ folder: URL, steps: Int, resume: Bool = false, seed: Int = 5) -> [String] {
        ["--step-budget", "\(steps)", "--seed", "\(seed)", "--batch-size", "64", "--output", folder.path]
            + (resume ? ["--resume"] : [])
    }

    /// Expects two checkpoints to hold the same step, data positions and (within `tolerance`,
    /// relative) the same sums of the epoch's loss terms.
    func expectSameProgress(
        _ a: URL, _ b: URL, tolerance: Double = 1e-4, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let first = try Checkpoint(contentsOf: a.appendingPathComponent("checkpoint.safetensors"))
        let second = try Checkpoint(contentsOf: b.appendingPathComponent("checkpoint.safetensors"))
        for key in ["step", "epoch", "stepInEpoch", "labeledPosition", "unlabeledPosition"] {
            #expect(first.counters[key] != nil && first.counters[key] == second.counters[key], "\(key)", sourceLocation: sourceLocation)
        }
        #expect(Set(first.measurements.keys) == Set(second.measurements.keys), sourceLocation: sourceLocation)
        for (name, x) in first.measurements {
            let y = second.measurements[name] ?? .nan
            #expect(abs(x - y) <= tolerance * max(abs(x), 0.1), "\(name): \(x) and \(y)", sourceLocation: sourceLocation)
        }
    }

    /// Three steps on two processes are three steps on one; process 0 alone writes the
    /// output folder and the log.
    @Test func twoProcessesTakeTheStepsOfOne() throws {
        let alone = scratch.file("alone")
        let shared = scratch.file("shared")
        let one = try run(processes: [options(alone, steps: 3)])
        #expect(one.status == 0, "\(one.output)")
        let two = try run(processes: [options(shared, steps: 3), options(shared, steps: 3)])
        #expect(two.status == 0, "\(two.output)")
        try expectSameProgress(alone, shared)
        // The event file's name has the time it was made in it.
        let files = { (folder: URL) in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .map { $0.hasPrefix("events.out.tfevents.") ? "events.out.tfevents" : $0 }.sorted()
        }
        #expect(files(alone) == files(shared) && files(shared).contains("events.out.tfevents"))
        #expect(two.output.components(separatedBy: "step-budget at epoch 1, step 3").count == 2, "\(two.output)")
        #expect(two.output.components(separatedBy: "Wrote ").count == 2, "\(two.output)")
        #expect(two.output.contains("2 processes"), "\(two.output)")
    }

    /// A CIFAR-10 folder in the official binary format: `perFile` generated records in each
    /// training file, as many in the test file.
    func writeCIFAR(perFile: Int) throws -> URL {
        let data = scratch.file("cifar-10-batches-bin-\(perFile)")
        try CIFARTests.writeFolder(data, variant: .cifar10, perFile: perFile)
        return data
    }

    /// Two `shotvae-cifar` processes into `folder` on 128 + 100 generated images a step (steps
    /// of several seconds on one thread each; 2 steps an epoch), with Ctrl-C pressed on
    /// `mpirun` one second after the first epoch's checkpoint appears, during step 3. Returns
    /// the run's status and output, its options, and when Ctrl-C was pressed.
    func cifarRunInterruptedInStep3(
        _ folder: URL, mpirunOptions: [String] = []
    ) throws -> (status: Int32, output: String, options: [String], pressed: Date?) {
        let data = try writeCIFAR(perFile: 60)
        let options = ["--data-dir", data.path, "--labels", "100", "--validation-per-class", "1", "--batch-size", "128",
                       "--seed", "5", "--output", folder.path]
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        let pressed = UncheckedSendable(NSMutableArray())
        let result = try run("shotvae-cifar", processes: [options, options], mpirunOptions: mpirunOptions) { mpirun in
            let started = Date()
            while !FileManager.default.fileExists(atPath: checkpoint.path), Date().timeIntervalSince(started) < 120 {
                Thread.sleep(forTimeInterval: 0.2)
            }
            Thread.sleep(forTimeInterval: 1)
            pressed.value.add(Date())
            kill(mpirun.processIdentifier, SIGINT)
        }
        return (result.status, result.output, options, pressed.value.firstObject as? Date)
    }

    /// Ctrl-C on `mpirun` during a step of several seconds (the CIFAR model at 128 + 100 images
    /// on two processes of one thread): `mpirun` sends SIGCONT first, which SHOTVAE takes as the
    /// Ctrl-C, so the step finishes and process 0 writes the checkpoint of that step, before
    /// `mpirun`'s SIGTERM and SIGKILL (`odls_base_sigkill_timeout` 6 s apart).
    @Test func ctrlCOnMpirunFinishesALongStep() throws {
        let folder = scratch.file("interrupted")
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        let result = try cifarRunInterruptedInStep3(folder, mpirunOptions: ["--mca", "odls_base_sigkill_timeout", "6"])
        #expect(result.output.components(separatedBy: "Interrupted: finishing this step").count == 2, "\(result.output)")
        #expect(result.output.contains("Stopped at epoch 2"), "\(result.output)")
        let saved = try Checkpoint(contentsOf: checkpoint)
        // The first epoch is 2 steps (290 unlabeled images, batches of 128): the checkpoint is
        // that of step 3, under way at the Ctrl-C; not the epoch's (step 2, had the step been
        // cut short), nor a later one (had only mpirun's SIGTERM, 6 s on, stopped the run).
        #expect(saved.counters["step"] == 3, "\(saved.counters)")
        let summary = try String(contentsOf: folder.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains("\"stopReason\" : \"interrupted\""), "\(summary)")
    }

    /// Ctrl-C on `mpirun` with its default timeout, which kills the processes 2 s later, in the
    /// middle of a step of several seconds: process 0 writes, on `mpirun`'s SIGCONT, the
    /// checkpoint of the state after the last finished step, and the run resumes from it.
    @Test func ctrlCOnMpirunKeepsTheLastFinishedStep() throws {
        let folder = scratch.file("noticed")
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        let result = try cifarRunInterruptedInStep3(folder)
        let written = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date
        let pressedAt = result.pressed
        #expect(written != nil && pressedAt != nil && written! > pressedAt!, "written \(String(describing: written)), Ctrl-C \(String(describing: pressedAt))")
        // Step 2's state, or step 3's if the step could finish before the SIGKILL.
        let saved = try Checkpoint(contentsOf: checkpoint)
        let step = saved.counters["step"] ?? 0
        #expect([2, 3].contains(step), "\(saved.counters)")
        // Process 0 names the checkpoint it wrote on the notice: step 2's, the last finished
        // (a finished step 3 then writes its own). `mpirun` can drop a process's last lines when
        // it kills the job (2 s after the Ctrl-C here): the file above is the proof, and the
        // line is checked when it arrives.
        let notice = result.output.split(separator: "\n").first { $0.hasPrefix("Checkpoint of step") }
        #expect(notice.map { $0.hasPrefix("Checkpoint of step 2 written") } ?? true, "\(result.output)")
        let resumed = try run("shotvae-cifar", processes: [result.options + ["--resume", "--step-budget", "4"]])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(try Checkpoint(contentsOf: checkpoint).counters["step"] == 4)
    }

    /// `shotvae-cifar`'s model normalizes over its batches (batch norm in the WideResNet and
    /// the DCGAN decoder): two processes combine their statistics and take the steps of one.
    /// The run then resumes on one process as it goes on alone. At 4 + 4 images the untrained
    /// network magnifies rounding within a few steps (one process on 1 and on 2 threads differed
    /// by 6.9e-7 after 2 steps and 7.9e-4 after 4, and a running variance by 0.9%), so the
    /// two processes' steps are compared within 1e-3 (the posterior-matching loss sums differed
    /// by 4.2e-4 after 2 steps once the products summed each group's depth in slices of 256
    /// instead of `sgemm`'s order; on a generated set of 60 images per class the same two
    /// steps differed by 2.6e-5), and the resumed steps within 1e-2; `DataParallelTests` holds
    /// the running statistics of divided steps to 1e-4.
    @Test func cifarRecipeOnTwoProcessesTakesTheStepsOfOne() throws {
        let data = try writeCIFAR(perFile: 12)
        let options = { (folder: URL, steps: Int) in
            ["--data-dir", data.path, "--labels", "20", "--validation-per-class", "1", "--batch-size", "8",
             "--step-budget", "\(steps)", "--seed", "5", "--output", folder.path]
        }
        let alone = scratch.file("alone")
        let shared = scratch.file("shared")
        let one = try run("shotvae-cifar", processes: [options(alone, 2)])
        #expect(one.status == 0, "\(one.output)")
        let two = try run("shotvae-cifar", processes: [options(shared, 2), options(shared, 2)])
        #expect(two.status == 0, "\(two.output)")
        #expect(two.output.contains("2 processes"), "\(two.output)")
        try expectSameProgress(alone, shared, tolerance: 1e-3)
        // Two more steps each: alone, and the two processes' run on one.
        #expect(try run("shotvae-cifar", processes: [options(alone, 4) + ["--resume"]]).status == 0)
        let resumed = try run("shotvae-cifar", processes: [options(shared, 4) + ["--resume"]])
        #expect(resumed.status == 0, "\(resumed.output)")
        try expectSameProgress(alone, shared, tolerance: 1e-2)
        let a = try Checkpoint(contentsOf: alone.appendingPathComponent("checkpoint.safetensors"))
        let b = try Checkpoint(contentsOf: shared.appendingPathComponent("checkpoint.safetensors"))
        #expect(a.buffers.map(\.name) == b.buffers.map(\.name) && a.buffers.contains { $0.name.hasSuffix("running_var") })
    }

    /// A run begun on two processes continues on one as it would have gone on two.
    @Test func runOfTwoProcessesResumesOnOne() throws {
        let alone = scratch.file("alone")
        let moved = scratch.file("moved")
        #expect(try run(processes: [options(alone, steps: 4)]).status == 0)
        let begun = try run(processes: [options(moved, steps: 2), options(moved, steps: 2)])
        #expect(begun.status == 0, "\(begun.output)")
        let resumed = try run(processes: [options(moved, steps: 4, resume: true)])
        #expect(resumed.status == 0, "\(resumed.output)")
        try expectSameProgress(alone, moved)
    }

    /// `shotvae-bench allreduce` on two processes reports each size once, from process 0, with
    /// its sums checked.
    @Test func allreduceBenchmarkReportsEverySize() throws {
        let arguments = ["allreduce", "--repetitions", "2", "--json"]
        let result = try run("shotvae-bench", processes: [arguments, arguments])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 4, "\(result.output)")
        #expect(objects.allSatisfy { $0["processes"] as? Int == 2 && ($0["median_seconds"] as? Double ?? 0) > 0 })
        #expect(objects.map { $0["case"] as? String } == ["one value", "4 KiB", "MNIST VAE gradients", "WideResNet-28-2 SHOT-VAE gradients"])
    }

    /// `shotvae-bench mnist-step` and `wrn-step` on two processes time each step's compute and
    /// communication, blocking and overlapped with the backward pass.
    @Test(arguments: [
        ["mnist-step", "--divided-steps", "3", "--json"],
        ["wrn-step", "--batch", "4", "--steps", "3", "--json"],
    ])
    func dividedStepReportsItsParts(arguments: [String]) throws {
        let result = try run("shotvae-bench", processes: [arguments, arguments])
        #expect(result.status == 0, "\(result.output)")
        let objects = result.output.split(separator: "\n").filter { $0.hasPrefix("{") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 1, "\(result.output)")
        let report = objects.first ?? [:]
        let number = { (key: String) in report[key] as? Double ?? -1 }
        #expect(report["processes"] as? Int == 2 && report["workload"] as? String == arguments[0], "\(report)")
        #expect(number("compute_ms") > 0 && number("communication_ms") > 0 && number("blocking_median_ms") >= number("compute_ms"), "\(report)")
        #expect(number("overlapped_compute_ms") > 0 && number("exposed_communication_ms") >= 0 && number("median_ms") >= number("overlapped_compute_ms"), "\(report)")
        #expect((0...1).contains(number("communication_hidden_fraction")), "\(report)")
        #expect((report["bucket_count"] as? Int ?? 0) >= 1 && (0..<1).contains(number("first_bucket_start_fraction")), "\(report)")
    }

    /// A process killed mid-run ends the whole job within seconds; the checkpoint is intact:
    /// the one written before, or the one process 0 writes of its last finished step when
    /// `mpirun` gives notice that it ends the job. The run resumes from it.
    @Test func killedProcessEndsTheJobAndTheRunResumes() throws {
        let folder = scratch.file("killed")
        let first = try run(processes: [options(folder, steps: 6), options(folder, steps: 6)])
        #expect(first.status == 0, "\(first.output)")
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        let saved = try Data(contentsOf: checkpoint)
        // Resume on two processes for many steps, and kill process 1 once it is training.
        let started = Date()
        let killer = Thread {
            while Date().timeIntervalSince(started) < 60 {
                Thread.sleep(forTimeInterval: 0.5)
                guard let victim = Self.process(rank: 1, writingTo: folder) else { continue }
                Thread.sleep(forTimeInterval: 2)  // well into its steps
                kill(victim, SIGKILL)
                return
            }
        }
        killer.start()
        // A minute's budget bounds the run should the kill fail.
        let long = options(folder, steps: 100_000, resume: true) + ["--time-budget", "1"]
        let second = try run(processes: [long, long])
        let seconds = Date().timeIntervalSince(started)
        #expect(second.status != 0)
        #expect(second.output.contains("rank 1") && second.output.contains("exited on signal 9"), "\(second.output)")
        #expect(seconds < 30, "the job ended \(seconds) s after it started")
        let afterKill = try Checkpoint(contentsOf: checkpoint)
        let step = afterKill.counters["step"] ?? 0
        let unchanged = try Data(contentsOf: checkpoint) == saved
        // Killed before its first step finished (a loaded machine), the resumed run's notice
        // checkpoint is again of step 6, with the elapsed time that run added.
        let rewritten = second.output.contains("Checkpoint of step 6 written")
        #expect(step > 6 || (step == 6 && (unchanged || rewritten)), "step \(step)")
        #expect(step == 6 || second.output.contains("Checkpoint of step \(step) written"), "\(second.output)")
        let resumed = try run(processes: [options(folder, steps: step + 2, resume: true)])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(try Checkpoint(contentsOf: checkpoint).counters["step"] == step + 2)
    }

    /// The process id of the `shotvae-mnist` process of `rank` whose output folder is `folder`.
    static func process(rank: Int, writingTo folder: URL) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                  let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { continue }
            let arguments = command.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments.first?.hasSuffix("shotvae-mnist") == true, arguments.contains(folder.path),
               variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") {
                return pid
            }
        }
        return nil
    }

    /// Processes started with different seeds stop at once, with an error that says so.
    @Test func processesWithDifferentSeedsAreRefused() throws {
        let folder = scratch.file("mismatch")
        let result = try run(processes: [options(folder, steps: 3, seed: 5), options(folder, steps: 3, seed: 6)])
        #expect(result.status != 0)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint.safetensors").path))
        // Both processes print the refusal and exit. `mpirun` can drop an exited process's last
        // lines when it ends the job on the first failure (seen once in four full test runs), so
        // the message is checked where it arrives; DataParallelTests checks its words in one
        // process.
        #expect(!result.output.contains("was started with other") || result.output.contains("process 1 was started with other"),
                "\(result.output)")
    }
}
#endif
