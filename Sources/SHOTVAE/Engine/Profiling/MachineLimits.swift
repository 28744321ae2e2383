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
    /// once; the best of three rounds. A round in which one thread ran two cores' loops (a worker
    /// that woke late) measures a core, not the machine: it counts only if ten rounds give no
    /// other. While the best round stays under 70% of the cores times one core's rate alone (a
    /// core taken by other work, or by the hypervisor, during the rounds), more rounds run, up to
    /// thirty; cores that cannot run their loops at once at full rate (two hardware threads of one
    /// core) then give what they do give.
    public static func fmaPeak(seconds: Double = 0.3) -> Double {
        let isa = InstructionSet.current.isa
        let cores = Parallel.coreCount
        var sink: Float = 0
        // Calibrate the iterations on one core.
        var iterations = 1 << 16
        var coreRate = 0.0
        while true {
            let start = PhaseClock.now()
            let performed = shotvae_fma_loop(isa, iterations, &sink)
            let elapsed = Double(PhaseClock.now() - start) * 1e-9
            if elapsed > seconds / 8 {
                iterations = Int(Double(iterations) * seconds / elapsed)
                coreRate = performed / elapsed * 1e-9
                break
            }
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
        for round in 0..<30 {
            if rounds >= 3 && best >= 0.7 * Double(cores) * coreRate { break }
            if round >= 10 && rounds == 0 { break }
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
