import ArgumentParser
import CBLAS
import Foundation
import SHOTVAE

/// The `conv` workload: every 3x3 convolution shape of WideResNet-28-2 at batch 64 and 32x32
/// input, in the three directions of training, against `cblas_sgemm` on the same GEMM shapes.
struct ConvWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "WideResNet-28-2 convolutions (forward, weight and input gradient) vs sgemm.")

    @Option(help: "Images per batch.")
    var batch = 64

    @Option(help: "Seconds of timed work per case.")
    var seconds = 0.5

    @Flag(help: "Print one JSON object per line instead of the table.")
    var json = false

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive.") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive.") }
    }

    /// One convolution layer of the network.
    struct Shape {
        let name: String
        let inputChannels: Int
        let outputChannels: Int
        let inputSize: Int
        let stride: Int
        var outputSize: Int { inputSize / stride }
    }

    /// The 3x3 convolutions of WideResNet-28-2 on 32x32 images (Benchmarks/peers/sgemm_peak.c).
    static let shapes = [
        Shape(name: "3->16 @32 (stem)", inputChannels: 3, outputChannels: 16, inputSize: 32, stride: 1),
        Shape(name: "16->32 @32", inputChannels: 16, outputChannels: 32, inputSize: 32, stride: 1),
        Shape(name: "32->32 @32", inputChannels: 32, outputChannels: 32, inputSize: 32, stride: 1),
        Shape(name: "32->64 s2 @16", inputChannels: 32, outputChannels: 64, inputSize: 32, stride: 2),
        Shape(name: "64->64 @16", inputChannels: 64, outputChannels: 64, inputSize: 16, stride: 1),
        Shape(name: "64->128 s2 @8", inputChannels: 64, outputChannels: 128, inputSize: 16, stride: 2),
        Shape(name: "128->128 @8", inputChannels: 128, outputChannels: 128, inputSize: 8, stride: 1),
    ]

    enum Direction: String, CaseIterable {
        case forward, weightGradient = "weight-gradient", inputGradient = "input-gradient"
    }

    func run() throws {
        var rng = RandomGenerator(seed: 1)
        let stopwatch = Stopwatch(targetSeconds: seconds)
        var totalConvSeconds = 0.0
        var totalGemmSeconds = 0.0
        var totalFlops = 0.0
        if !json {
            print("conv workload: batch \(batch), 32x32 input; sgemm with \(ProcessInfo.processInfo.activeProcessorCount) OpenBLAS threads")
            print("shape              direction         GEMM m x n x k           conv ms  GFLOP/s   sgemm ms  GFLOP/s  ratio")
        }
        for shape in Self.shapes {
            let x = Tensor(normal: [batch, shape.inputChannels, shape.inputSize, shape.inputSize], generator: &rng)
            let w = Tensor(normal: [shape.outputChannels, shape.inputChannels, 3, 3], standardDeviation: 0.1, generator: &rng)
            let dy = Tensor(normal: [batch, shape.outputChannels, shape.outputSize, shape.outputSize], generator: &rng)
            let m = shape.outputChannels
            let n = batch * shape.outputSize * shape.outputSize
            let k = shape.inputChannels * 9
            for direction in Direction.allCases {
                let convSeconds = timeConvolution(direction, shape: shape, x: x, w: w, dy: dy, stopwatch: stopwatch)
                let (gm, gn, gk, transposeA, transposeB): (Int, Int, Int, Bool, Bool)
                switch direction {
                case .forward: (gm, gn, gk, transposeA, transposeB) = (m, n, k, false, false)
                case .weightGradient: (gm, gn, gk, transposeA, transposeB) = (m, k, n, false, true)
                case .inputGradient: (gm, gn, gk, transposeA, transposeB) = (k, n, m, true, false)
                }
                let gemmSeconds = timeGemm(m: gm, n: gn, k: gk, transposeA: transposeA, transposeB: transposeB, stopwatch: stopwatch, rng: &rng)
                let flops = 2.0 * Double(m) * Double(n) * Double(k)
                totalConvSeconds += convSeconds
                totalGemmSeconds += gemmSeconds
                totalFlops += flops
                report(shape: shape.name, direction: direction.rawValue, gemm: "\(gm) x \(gn) x \(gk)",
                       flops: flops, convSeconds: convSeconds, gemmSeconds: gemmSeconds)
            }
        }
        report(shape: "all", direction: "total", gemm: "", flops: totalFlops,
               convSeconds: totalConvSeconds, gemmSeconds: totalGemmSeconds)
        if !json {
            print(String(format: "peak RSS %.0f MiB", peakResidentMebibytes()))
        }
    }

    func report(shape: String, direction: String, gemm: String, flops: Double, convSeconds: Double, gemmSeconds: Double) {
        let convRate = flops / convSeconds * 1e-9
        let gemmRate = flops / gemmSeconds * 1e-9
        if json {
            let object: [String: Any] = [
                "workload": "conv", "shape": shape, "direction": direction, "gemm": gemm,
                "conv_ms": convSeconds * 1e3, "sgemm_ms": gemmSeconds * 1e3,
                "gflops": convRate, "sgemm_gflops": gemmRate, "ratio": convRate / gemmRate,
            ]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            let figures = String(format: "%8.2f %8.1f %10.2f %8.1f %6.2f",
                                 convSeconds * 1e3, convRate, gemmSeconds * 1e3, gemmRate, convRate / gemmRate)
            print(padded(shape, 18) + " " + padded(direction, 17) + " " + padded(gemm, 22) + " " + figures)
        }
    }

    func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// The median seconds of one direction of one convolution through SHOTVAE's public ops.
    func timeConvolution(_ direction: Direction, shape: Shape, x: Tensor, w: Tensor, dy: Tensor, stopwatch: Stopwatch) -> Double {
        switch direction {
        case .forward:
            let input = Variable(x)
            let weight = Variable(w)
            return stopwatch.median {
                _ = conv2d(input, weight: weight, stride: shape.stride, padding: 1)
            }.median
        case .weightGradient, .inputGradient:
            // The graph is rebuilt (untimed) before each backward pass; only the asked-for
            // gradient is computed because only that operand requires one.
            let input = Variable(x, requiresGradient: direction == .inputGradient)
            let weight = Variable(w, requiresGradient: direction == .weightGradient)
            var output: Variable?
            return stopwatch.median(prepare: {
                input.zeroGradient()
                weight.zeroGradient()
                output = conv2d(input, weight: weight, stride: shape.stride, padding: 1)
            }) {
                output!.backward(gradient: dy)
            }.median
        }
    }

    /// The median seconds of `cblas_sgemm` on one GEMM shape, row-major, as the reference does.
    func timeGemm(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, stopwatch: Stopwatch, rng: inout RandomGenerator) -> Double {
        let a = Tensor(uniform: [m * k], generator: &rng).scalars
        let b = Tensor(uniform: [k * n], generator: &rng).scalars
        var c = [Float](repeating: 0, count: m * n)
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        // The ceiling is OpenBLAS at its best: one thread per core. SHOTVAE itself runs
        // OpenBLAS single-threaded inside its own per-core chunks, so restore that afterwards.
        let engineThreads = openblas_get_num_threads()
        openblas_set_num_threads(Int32(ProcessInfo.processInfo.activeProcessorCount))
        defer { openblas_set_num_threads(engineThreads) }
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    stopwatch.median {
                        cblas_sgemm(
                            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                            blasint(m), blasint(n), blasint(k), 1, a.baseAddress, blasint(lda),
                            b.baseAddress, blasint(ldb), 0, c.baseAddress, blasint(n))
                    }.median
                }
            }
        }
    }
}
