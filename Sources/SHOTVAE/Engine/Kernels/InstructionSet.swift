import CSHOTVAEKernels
import Foundation

/// The vector instructions the engine's innermost loops (the register-blocked products of
/// ``Kernels/product(rows:columns:depth:a:rowStride:depthStride:b:c:ldc:accumulates:)``) run
/// with, chosen once per process from the CPU's features: AVX-512 where the CPU and the
/// operating system have it (sixteen lanes, 32 registers), else AVX2 with FMA (eight lanes),
/// else the portable Swift loops. The C kernels (target `CSHOTVAEKernels`) are compiled for
/// each instruction set separately, so any build, portable or not, runs the widest the CPU has.
///
/// `SHOTVAE_KERNELS=avx2` or `=portable` in the environment narrows the choice (to compare
/// kernels on one machine); a wider set than the CPU has is refused with a warning.
enum InstructionSet: Int, CaseIterable, Comparable {
    case portable = 0
    case avx2 = 1
    case avx512 = 2

    /// The widest set this CPU supports.
    static let supported = InstructionSet(rawValue: Int(shotvae_best_isa().rawValue)) ?? .portable

    /// The set the engine uses: ``supported``, or the narrower one `SHOTVAE_KERNELS` names.
    static let current: InstructionSet = {
        guard let requested = ProcessInfo.processInfo.environment["SHOTVAE_KERNELS"], !requested.isEmpty else {
            return supported
        }
        guard let named = allCases.first(where: { $0.name == requested.lowercased() }) else {
            warn("SHOTVAE_KERNELS=\(requested) is not one of \(allCases.map(\.name).joined(separator: ", ")); using \(supported.name)")
            return supported
        }
        guard named <= supported else {
            warn("SHOTVAE_KERNELS=\(requested): this CPU does not have \(named.name); using \(supported.name)")
            return supported
        }
        return named
    }()

    /// The name `SHOTVAE_KERNELS` and the benchmarks use: `avx512`, `avx2` or `portable`.
    var name: String {
        switch self {
        case .portable: "portable"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    /// Every set this CPU can run, narrowest first (the tests compare them all).
    static var runnable: [InstructionSet] { allCases.filter { $0 <= supported } }

    /// The C enumeration's value.
    var isa: shotvae_isa { shotvae_isa(rawValue: UInt32(rawValue)) }

    static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data("SHOTVAE: \(message)\n".utf8))
    }
}
