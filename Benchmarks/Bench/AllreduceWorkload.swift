import ArgumentParser
import Foundation
import SHOTVAE
import SHOTVAEDistributed

/// The `allreduce` workload: latency and bandwidth of the sum-allreduce among the processes
/// `mpirun` started, over the sizes a run reduces: one value (a stop request), and the
/// gradients of the MNIST VAE and of the WideResNet-28-2 SHOT-VAE.
struct AllreduceWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Sum-allreduce latency and bandwidth among the processes mpirun started.")

    @Option(help: "Timed reductions per size (the same on every process).")
    var repetitions = 30

    @Flag(help: "Print one JSON object per line instead of the table.")
    var json = false

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive.") }
    }

    /// A buffer size to reduce, in floats.
    struct Case {
        let name: String
        let count: Int
    }

    func run() throws {
        let communicator = try Launch.communicator()
        defer { Launch.finish(communicator) }
        var rng = RandomGenerator(seed: 1)
        let cases = [
            Case(name: "one value", count: 1),
            Case(name: "4 KiB", count: 1024),
            Case(name: "MNIST VAE gradients", count: SemiSupervisedVAE.mnist(generator: &rng).parameterCount),
            Case(name: "WideResNet-28-2 SHOT-VAE gradients", count: SemiSupervisedVAE.cifar(generator: &rng).parameterCount),
        ]
        let first = communicator.rank == 0
        if first && !json {
            print("allreduce workload: \(communicator.size) process\(communicator.size == 1 ? "" : "es"), \(repetitions) reductions per size (median of the slowest process)")
            print("case                                   floats      median ms   bus GB/s")
        }
        for item in cases {
            // Process r contributes r + 1 everywhere, so every sum is n (n + 1) / 2.
            let expected = Float(communicator.size * (communicator.size + 1) / 2)
            var buffer = [Float](repeating: 0, count: item.count)
            var samples: [Double] = []
            var correct = true
            buffer.withUnsafeMutableBufferPointer { values in
                for repetition in 0..<(repetitions + 3) {
                    values.update(repeating: Float(communicator.rank + 1))
                    communicator.barrier()
                    let seconds = Stopwatch.time { communicator.allReduceSum(values) }
                    if repetition >= 3 { samples.append(seconds) }  // three warm-ups
                    correct = correct && values.allSatisfy { $0 == expected }
                }
            }
            guard correct else { throw ValidationError("the allreduce of \(item.name) gave a wrong sum") }
            // Every process's time of each reduction; the slowest one is the reduction's time.
            var gathered = [Double](repeating: 0, count: samples.count * communicator.size)
            for (i, value) in samples.enumerated() { gathered[communicator.rank * samples.count + i] = value }
            gathered.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
            let slowest = (0..<samples.count).map { i in (0..<communicator.size).map { gathered[$0 * samples.count + i] }.max()! }
            let median = Stopwatch.Summary(samples: slowest).median
            // Bus bandwidth (as NCCL's tests count it): each process sends and receives
            // 2 (n - 1) / n of the buffer in a ring allreduce.
            let n = Double(communicator.size)
            let busBytes = n > 1 ? 2 * (n - 1) / n * Double(item.count * MemoryLayout<Float>.size) : 0
            let bandwidth = busBytes / median / 1e9
            guard first else { continue }
            if json {
                let object: [String: Any] = [
                    "workload": "allreduce", "case": item.name, "floats": item.count, "processes": communicator.size,
                    "median_seconds": median, "bus_gbytes_per_second": bandwidth,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(item.name.padding(toLength: 38, withPad: " ", startingAt: 0)
                      + String(format: " %9d %12.3f %10.2f", item.count, median * 1e3, bandwidth))
            }
        }
    }
}
