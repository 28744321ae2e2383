import CSHOTVAEKernels
import Foundation

/// What the engine runs on and the most it could do there: the kernels chosen for this CPU and
/// the FMA peak they are measured against (for the benchmarks). The engine's products are all
/// its own; OpenBLAS serves only the benchmarks' `sgemm` reference.
@_spi(Benchmarks)
public enum MachineLimits {
    /// The instruction set of the engine's products on this CPU: `avx512`, `avx2` or
    /// `portable` (``InstructionSet``).
    public static var instructionSet: String { InstructionSet.current.name }

    /// The machine's single-precision FMA peak, in GFLOP/s (two operations per lane per fused
    /// multiply-add): every core of the engine runs a loop of independent fused multiply-adds in
    /// the widest vectors of ``instructionSet``, kept in registers, for about `seconds`; the best
    /// of three rounds.
    public static func fmaPeak(seconds: Double = 0.3) -> Double {
        let isa = InstructionSet.current.isa
        let cores = Parallel.coreCount
        var sink: Float = 0
        // Calibrate the iterations on one core.
        var iterations = 1 << 16
        while true {
            let start = PhaseClock.now()
            _ = shotvae_fma_loop(isa, iterations, &sink)
            let elapsed = Double(PhaseClock.now() - start) * 1e-9
            if elapsed > seconds / 8 { iterations = Int(Double(iterations) * seconds / elapsed); break }
            iterations *= 2
        }
        var best = 0.0
        for _ in 0..<3 {
            let flops = UnsafeMutablePointer<Double>.allocate(capacity: cores)
            defer { flops.deallocate() }
            let start = PhaseClock.now()
            Parallel.forEach(cores, grain: 1) { range in
                var sink: Float = 0
                for core in range { flops[core] = shotvae_fma_loop(isa, iterations, &sink) }
            }
            let elapsed = Double(PhaseClock.now() - start) * 1e-9
            best = max(best, (0..<cores).reduce(0) { $0 + flops[$1] } / elapsed * 1e-9)
        }
        return best
    }
}
