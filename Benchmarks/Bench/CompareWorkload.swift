import ArgumentParser
import Foundation
@_spi(Benchmarks) import SHOTVAE

/// `compare`: SHOTVAE's workloads and the PyTorch references (Benchmarks/peers), one after the
/// other in the same invocation, with the ratios. Each workload runs in its own process, so
/// that each peak RSS is its own.
struct CompareWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run SHOTVAE's workloads and the PyTorch CPU references side by side and print the ratios.",
        discussion: """
            Needs Debian's PyTorch for the reference side (apt-get install python3-torch; it runs with \
            /usr/bin/python3). PyTorch runs in its best setting on this kind of machine: \
            OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(2).
            """)

    @Option(help: "The folder of the PyTorch reference scripts.")
    var peers: String = CompareWorkload.defaultPeers

    @Option(help: "The Python that has torch.")
    var python = "/usr/bin/python3"

    @Flag(help: "Skip the WideResNet step (about 3 minutes for PyTorch).")
    var skipWRN = false

    @Flag(help: "Print one JSON object per comparison instead of the table.")
    var json = false

    static let defaultPeers = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Benchmarks/peers").path

    func run() throws {
        let own = CommandLine.arguments[0]
        var ours: [String: [String: Any]] = [:]
        log("SHOTVAE: mnist-step (and encoder inference)")
        ours["mnist"] = try runJSON(own, ["mnist-step", "--json"])
        log("SHOTVAE: conv")
        ours["conv"] = try runJSONLines(own, ["conv", "--json"]).last { ($0["direction"] as? String) == "total" }
        if !skipWRN {
            log("SHOTVAE: wrn-step (mixed passes decoded, the reference's work)")
            ours["wrn"] = try runJSON(own, ["wrn-step", "--json", "--decode-mixed"])
        }

        let hasTorch = (try? runProcess(python, ["-c", "import torch"], environment: [:]))?.status == 0
        var torch: [String: [String: Any]] = [:]
        if hasTorch {
            let environment = ["OPENBLAS_NUM_THREADS": "1"]
            log("PyTorch: torch_mnist_vae.py")
            torch["mnist"] = try runPeer("torch_mnist_vae.py", environment: environment)
            if !skipWRN {
                log("PyTorch: torch_shot_wrn.py")
                torch["wrn"] = try runPeer("torch_shot_wrn.py", environment: environment)
            }
        } else {
            log("PyTorch is not installed for \(python): showing SHOTVAE's figures alone. To compare, install Debian's PyTorch (apt-get install python3-torch) and run again.")
        }
        report(ours: ours, torch: torch)
    }

    // MARK: - Report

    func report(ours: [String: [String: Any]], torch: [String: [String: Any]]) {
        var rows: [(String, Double, Double?, String)] = []  // name, ours, theirs, unit
        func number(_ object: [String: Any]?, _ path: String...) -> Double? {
            var value: Any? = object
            for key in path { value = (value as? [String: Any])?[key] }
            return (value as? NSNumber)?.doubleValue
        }
        if let m = ours["mnist"] {
            rows.append(("mnist-step median (ms)", number(m, "median_ms")!, number(torch["mnist"], "train", "median_s").map { $0 * 1e3 }, "ms"))
            rows.append(("mnist-infer (images/s)", number(m, "infer_images_per_s")!, number(torch["mnist"], "inference_encoder", "images_per_s"), "img/s"))
            rows.append(("mnist peak RSS (MiB)", number(m, "peak_rss_mib")!, number(torch["mnist"], "rss_mib", "peak_end"), "MiB"))
        }
        if let w = ours["wrn"] {
            rows.append(("wrn-step median (s)", number(w, "median_s")!, number(torch["wrn"], "train", "median_s"), "s"))
            rows.append(("wrn peak RSS (MiB)", number(w, "peak_rss_mib")!, number(torch["wrn"], "rss_mib", "peak_end"), "MiB"))
        }
        if json {
            for (name, value, reference, unit) in rows {
                var object: [String: Any] = ["comparison": name, "shotvae": value, "unit": unit]
                if let reference { object["pytorch"] = reference; object["ratio"] = ratio(name, value, reference) }
                print(jsonLine(object))
            }
            for (name, fraction) in peakFractions(ours) { print(jsonLine(["comparison": name, "shotvae": fraction])) }
            if let c = ours["conv"] { print(jsonLine(["comparison": "conv / sgemm rate", "shotvae": number(c, "ratio")!])) }
            for (key, workload) in [("mnist", "mnist-step"), ("wrn", "wrn-step")] {
                if let phases = ours[key]?["phases"] { print(jsonLine(["comparison": "\(workload) phases", "phases": phases])) }
            }
            if var machine = Processor.current()?.json {
                machine["comparison"] = "machine"
                print(jsonLine(machine))
            }
            print(jsonLine(["comparison": "kernels", "instruction_set": MachineLimits.instructionSet,
                            "openblas_core": openBLASCore(),
                            "fma_peak_gflops": number(ours["wrn"] ?? ours["mnist"], "fma_peak_gflops") ?? .nan]))
            return
        }
        print("comparison                    SHOTVAE      PyTorch    advantage")
        for (name, value, reference, unit) in rows {
            // Seconds with two decimals: a WideResNet step takes one to a few of them.
            let digits = unit == "s" ? 2 : 1
            let theirs = reference.map { String(format: "%10.\(digits)f", $0) } ?? "         -"
            let advantage = reference.map { String(format: "%7.2fx", ratio(name, value, $0)) } ?? "       -"
            print(pad(name, 28) + String(format: "%9.\(digits)f", value) + "   " + theirs + "   " + advantage)
        }
        for (name, fraction) in peakFractions(ours) {
            print(String(format: "%@: %.1f%%", name, fraction * 100))
        }
        if let c = ours["conv"] {
            print(String(format: "conv: %.2f of the same-run sgemm rate over the WideResNet-28-2 shapes (%.1f vs %.1f GFLOP/s)",
                         number(c, "ratio")!, number(c, "gflops")!, number(c, "sgemm_gflops")!))
        }
        print(openBLASKernels())
        print("machine: \(Processor.current()?.summary ?? "not described (no /proc/cpuinfo)")")
        print("advantage: how many times better SHOTVAE is (PyTorch's time / ours, our images/s / PyTorch's, PyTorch's RSS / ours)")
    }

    /// Each workload's share of the same-run FMA peak on the multiply-adds its products performed.
    func peakFractions(_ ours: [String: [String: Any]]) -> [(String, Double)] {
        func number(_ object: [String: Any], _ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        var rows: [(String, Double)] = []
        if let m = ours["mnist"] {
            if let f = number(m, "fma_peak_fraction") { rows.append(("mnist-step FMA peak fraction", f)) }
            if let f = number(m, "infer_fma_peak_fraction") { rows.append(("mnist-infer FMA peak fraction", f)) }
        }
        if let w = ours["wrn"], let f = number(w, "fma_peak_fraction") { rows.append(("wrn-step FMA peak fraction", f)) }
        return rows
    }

    /// Which kernels OpenBLAS runs here, for SHOTVAE and for PyTorch's linear layers (PyTorch's
    /// convolutions run on its own oneDNN, which picks its instruction set by itself), and
    /// whether the environment chose them.
    func openBLASKernels() -> String {
        let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { " (OPENBLAS_CORETYPE=\($0) in the environment)" } ?? ""
        return "SHOTVAE kernels: \(MachineLimits.instructionSet); OpenBLAS kernels: \(openBLASCore())\(forced); "
            + "PyTorch's convolutions run on oneDNN, which picks its own"
    }

    /// How many times better SHOTVAE is: time and memory are better when lower.
    func ratio(_ name: String, _ ours: Double, _ theirs: Double) -> Double {
        name.contains("images/s") ? ours / theirs : theirs / ours
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    func jsonLine(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    // MARK: - Processes

    func runPeer(_ script: String, environment: [String: String]) throws -> [String: Any] {
        let path = URL(fileURLWithPath: peers).appendingPathComponent(script).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("No \(script) in \(peers); pass --peers with the folder of the PyTorch reference scripts.")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("shotvae-compare-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try runProcess(python, [path, "--json", output.path], environment: environment)
        guard result.status == 0, let data = FileManager.default.contents(atPath: output.path),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw ValidationError("\(script) failed with status \(result.status) (its messages are above)")
        }
        return object
    }

    func runJSON(_ executable: String, _ arguments: [String]) throws -> [String: Any] {
        guard let object = try runJSONLines(executable, arguments).last else {
            throw ValidationError("\(arguments.joined(separator: " ")) printed no JSON")
        }
        return object
    }

    func runJSONLines(_ executable: String, _ arguments: [String]) throws -> [[String: Any]] {
        let result = try runProcess(executable, arguments, environment: [:])
        guard result.status == 0 else {
            throw ValidationError("\(arguments.joined(separator: " ")) failed with status \(result.status) (its messages are above)")
        }
        return result.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Runs a child process; its standard error passes through (progress stays visible) and its
    /// standard output is returned.
    func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
