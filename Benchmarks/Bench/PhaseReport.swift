import CBLAS
import Foundation
@_spi(Benchmarks) import SHOTVAE

/// The per-phase breakdown of a workload and the arithmetic it performed, against the machine's
/// FMA peak measured in the same run.
///
/// The phases are profiled over steps of their own, after the timed ones, so that the clock
/// readings of the profile never slow the timed steps; the multiply-adds are those the
/// engine's products performed in those steps (their shapes, after the Winograd transforms).
struct PhaseReport {
    /// The profile of one step (the mean of the profiled ones).
    let profile: PhaseProfile
    /// The same-run FMA peak, GFLOP/s.
    let fmaPeak: Double

    /// Profiles `steps` calls of `step`; `fmaPeak` is the same run's
    /// (``MachineLimits/fmaPeak(seconds:)``, measured once per process).
    init(steps: Int, fmaPeak: Double, _ step: () -> Void) {
        var total: PhaseProfile?
        for _ in 0..<steps {
            let (_, one) = PhaseProfile.profile(step)
            total = total.map { $0 + one } ?? one
        }
        profile = total!.divided(by: steps)
        self.fmaPeak = fmaPeak
    }

    /// Billions of floating-point operations the products perform per step (two per multiply-add).
    var performedGFLOP: Double { 2 * profile.multiplyAdds * 1e-9 }

    /// The share of the FMA peak that a step of `seconds` reaches on the performed operations.
    func peakFraction(stepSeconds seconds: Double) -> Double { performedGFLOP / seconds / fmaPeak }

    /// The JSON fields: `performed_gflop`, `fma_peak_gflops`, `fma_peak_fraction`, the kernels,
    /// and `phases`, each phase's seconds per step (summed over the cores) and share of the
    /// cores' time.
    func json(stepSeconds seconds: Double) -> [String: Any] {
        var phases: [String: Any] = [:]
        for phase in Phase.allCases where profile.seconds(phase) > 0 {
            phases[phase.name] = ["seconds": profile.seconds(phase), "share": profile.share(phase)]
        }
        phases["idle"] = ["seconds": profile.idleSeconds, "share": profile.idleShare]
        return [
            "performed_gflop": performedGFLOP, "fma_peak_gflops": fmaPeak,
            "fma_peak_fraction": peakFraction(stepSeconds: seconds), "phases": phases,
            "profiled_step_s": profile.wallSeconds, "cores": profile.cores,
            "instruction_set": MachineLimits.instructionSet, "openblas_core": openBLASCore(),
        ]
    }

    /// The breakdown as text, largest share first.
    func text(_ workload: String, stepSeconds seconds: Double) -> String {
        var lines = [String(format: "%@: %.2f GFLOP performed by the products, %.1f GFLOP/s = %.1f%% of the same-run FMA peak %.1f GFLOP/s (%@ kernels; OpenBLAS %@)",
                            workload, performedGFLOP, performedGFLOP / seconds, peakFraction(stepSeconds: seconds) * 100,
                            fmaPeak, MachineLimits.instructionSet, openBLASCore())]
        lines.append(String(format: "%@ by phase (a profiled step took %.1f ms on %d cores; time summed over the cores):",
                            workload, profile.wallSeconds * 1e3, profile.cores))
        var rows = Phase.allCases.map { ($0.name, profile.seconds($0)) }.filter { $0.1 > 0 }
        rows.append(("idle", profile.idleSeconds))
        for (name, seconds) in rows.sorted(by: { $0.1 > $1.1 }) {
            let padded = name.padding(toLength: 32, withPad: " ", startingAt: 0)
            lines.append("  " + padded + String(format: "%9.2f ms  %5.1f%%", seconds * 1e3, seconds / profile.coreSeconds * 100))
        }
        return lines.joined(separator: "\n")
    }
}

/// The name of the core whose kernels OpenBLAS chose here (`Haswell`, `SkylakeX`, `Prescott`,
/// ...), for the benchmarks' `sgemm` reference (the engine does not use OpenBLAS).
func openBLASCore() -> String { String(cString: openblas_get_corename()) }
