import CSHOTVAEKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
    /// the widest vectors of ``instructionSet``, kept in registers, for about `seconds`, all at
    /// once; the best of ten rounds. A round in which one thread ran two cores' loops (a worker
    /// that woke late) measures a core, not the machine: it counts only if thirty rounds give no
    /// other. Ten rounds run, so that one in which a core was taken by other work (or by the
    /// hypervisor) does not decide the peak: one `wrn-step` run measured 125 GFLOP/s against
    /// 244-250 in the others with three rounds; and a threshold on one core's rate alone does not
    /// tell such a round apart, since one core runs faster alone than with the others busy.
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
        let flops = UnsafeMutablePointer<Double>.allocate(capacity: cores)
        let threads = UnsafeMutablePointer<pthread_t>.allocate(capacity: cores)
        defer {
            flops.deallocate()
            threads.deallocate()
        }
        var (best, bestOfAny) = (0.0, 0.0)
        var rounds = 0
        for _ in 0..<30 where rounds < 10 {
            let start = PhaseClock.now()
            Parallel.forEach(cores, grain: 1) { range in
                var sink: Float = 0
                for core in range {
                    threads[core] = pthread_self()
                    flops[core] = shotvae_fma_loop(isa, iterations, &sink)
                }
            }
            let rate = (0..<cores).reduce(0) { $0 + flops[$1] } / (Double(PhaseClock.now() - start) * 1e-9) * 1e-9
            bestOfAny = max(bestOfAny, rate)
            let distinct = (0..<cores).allSatisfy { i in (0..<i).allSatisfy { pthread_equal(threads[$0], threads[i]) == 0 } }
            guard distinct else { continue }
            rounds += 1
            best = max(best, rate)
        }
        return rounds > 0 ? best : bestOfAny
    }
}
