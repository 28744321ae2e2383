import CSHOTVAEKernels

/// The matrix products of the Winograd passes, `C = A B` or `C += A B`, without `sgemm`'s
/// packing.
///
/// There, every product is small (a group's tiles times a layer's channels, a few hundred
/// thousand multiply-adds) and one of its operands is the same for the whole batch: `sgemm`
/// would copy both operands into its own layout at every call, and clear `C` before adding to
/// it. Here the left-hand matrix is read where it lies, six rows at a time; the right-hand
/// one is read in panels of 16 columns, either in place (a row-major matrix whose columns
/// come in whole panels) or packed once per pass (``packedPanels(_:count:columns:depth:rowStride:)``).
/// Each six-row by 16-column block of `C` is summed in twelve vector registers over the whole
/// depth and stored once.
///
/// On one core of the test machine (AMD EPYC, AVX2), on the MNIST VAE's shapes (128 tiles by 32
/// to 256 channels), the convolutions' products ran at 82 to 91 GFLOP/s where `sgemm` gave 55
/// to 73 with its packing; the kernel gradient's sums (`A` transposed, accumulated) at 72 to 83
/// against 73 to 80.
extension Kernels {
    /// Columns of a panel of the right-hand matrix: two vectors.
    static let panelWidth = 16

    /// Rows of the left-hand matrix in one block of the portable kernel: with two vectors per
    /// row, twelve accumulators.
    static let blockRows = 6

    /// Rows of the left-hand matrix in one block of the product kernel of `instructionSet`
    /// (AVX-512: 8, AVX2 and portable: 6). A last block of fewer rows costs as much as a whole one.
    static func blockRows(_ instructionSet: InstructionSet) -> Int {
        instructionSet == .portable ? blockRows : shotvae_product_block_rows(instructionSet.isa)
    }

    /// Where ``product(rows:columns:depth:a:rowStride:depthStride:b:c:ldc:accumulates:)`` reads
    /// the right-hand matrix `B` (`k x n`): panel `q` (columns `16q …`) starts at
    /// `base + q · panelStride`, and its row `p` is 16 consecutive floats `p · rowStride` further.
    struct Panels {
        let base: UnsafePointer<Float>
        let panelStride: Int
        let rowStride: Int

        /// A row-major `k x columns` matrix, rows `rowStride` apart, read in place: `columns`
        /// must be whole panels.
        init(rowMajor b: UnsafePointer<Float>, rowStride: Int, columns: Int) {
            precondition(columns % Kernels.panelWidth == 0, "a matrix read in place has whole panels of columns")
            (base, panelStride, self.rowStride) = (b, Kernels.panelWidth, rowStride)
        }

        /// A matrix of depth `k` packed by ``Kernels/packPanels(transposed:columns:depth:rowStride:into:)``.
        init(packed b: UnsafePointer<Float>, depth k: Int) {
            (base, panelStride, rowStride) = (b, Kernels.panelWidth * k, Kernels.panelWidth)
        }
    }

    /// Floats of a `k x n` matrix packed in panels: `n` rounded up to whole panels, times `k`.
    static func packedPanelsSize(columns n: Int, depth k: Int) -> Int {
        (n + panelWidth - 1) / panelWidth * panelWidth * k
    }

    /// `B` given transposed, `bt` `[n, k]` with rows `rowStride` apart, packed into `[⌈n / 16⌉,
    /// k, 16]`: panel `q`'s row `p` holds `bt[16q …, p]`, zeros past column `n`. Eight rows of
    /// `bt` at a time, transposed eight columns at a time in registers.
    static func packPanels(
        transposed bt: UnsafePointer<Float>, columns n: Int, depth k: Int, rowStride: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let raw = UnsafeMutableRawPointer(packed)
        let rowBytes = 4 * panelWidth
        for j0 in Swift.stride(from: 0, to: (n + panelWidth - 1) / panelWidth * panelWidth, by: Vector.scalarCount) {
            let panel = raw + 4 * ((j0 / panelWidth) * panelWidth * k + j0 % panelWidth)
            @inline(__always) func row(_ r: Int, at p: Int) -> Vector {
                j0 + r < n ? (bt + (j0 + r) * rowStride).vector(at: p) : Vector()
            }
            var p = 0
            while p + Vector.scalarCount <= k {
                var v = (row(0, at: p), row(1, at: p), row(2, at: p), row(3, at: p),
                         row(4, at: p), row(5, at: p), row(6, at: p), row(7, at: p))
                // Three perfect unshuffles of the 64 values transpose the 8 x 8 block.
                @inline(__always) func even(_ a: Vector, _ b: Vector) -> Vector { SIMD16(lowHalf: a, highHalf: b).evenHalf }
                @inline(__always) func odd(_ a: Vector, _ b: Vector) -> Vector { SIMD16(lowHalf: a, highHalf: b).oddHalf }
                for _ in 0..<3 {
                    v = (even(v.0, v.1), even(v.2, v.3), even(v.4, v.5), even(v.6, v.7),
                         odd(v.0, v.1), odd(v.2, v.3), odd(v.4, v.5), odd(v.6, v.7))
                }
                (panel + p * rowBytes).storeBytes(of: v.0, as: Vector.self)
                (panel + (p + 1) * rowBytes).storeBytes(of: v.1, as: Vector.self)
                (panel + (p + 2) * rowBytes).storeBytes(of: v.2, as: Vector.self)
                (panel + (p + 3) * rowBytes).storeBytes(of: v.3, as: Vector.self)
                (panel + (p + 4) * rowBytes).storeBytes(of: v.4, as: Vector.self)
                (panel + (p + 5) * rowBytes).storeBytes(of: v.5, as: Vector.self)
                (panel + (p + 6) * rowBytes).storeBytes(of: v.6, as: Vector.self)
                (panel + (p + 7) * rowBytes).storeBytes(of: v.7, as: Vector.self)
                p += Vector.scalarCount
            }
            let values = panel.assumingMemoryBound(to: Float.self)
            for p in p..<k {
                for r in 0..<Vector.scalarCount {
                    values[p * panelWidth + r] = j0 + r < n ? bt[(j0 + r) * rowStride + p] : 0
                }
            }
        }
    }

    /// `count` matrices `[n, k]` (`Bᵀ`, each `n · rowStride` floats after the last) packed by
    /// ``packPanels(transposed:columns:depth:rowStride:into:)``, one after the other, split
    /// across the cores: `[count, packedPanelsSize(columns: n, depth: k)]`.
    static func packedPanels(_ matrices: UnsafePointer<Float>, count: Int, columns n: Int, depth k: Int, rowStride: Int) -> Tensor {
        PhaseClock.measure(.transforms) {
            let size = packedPanelsSize(columns: n, depth: k)
            var result = Tensor(uninitializedShape: [count, size])
            let packed = result.mutablePointer
            Parallel.forEach(count, grain: 1) { range in
                for index in range {
                    packPanels(transposed: matrices + index * n * rowStride, columns: n, depth: k, rowStride: rowStride,
                               into: packed + index * size)
                }
            }
            return result
        }
    }

    /// `C = A B`, or `C += A B` if `accumulates`, on the calling thread: `A` is `m x k` with
    /// `A[i, p] = a[i · rowStride + p · depthStride]` (so a transposed matrix is read in place
    /// too), `B` is `k x n` read as `b` says, `C` is `m x n` with rows `ldc` apart.
    ///
    /// Runs the kernel of `instructionSet` (by default the CPU's widest, ``InstructionSet``):
    /// AVX-512 sums blocks of 8 rows by 32 columns in 16 registers, AVX2 blocks of 6 rows by
    /// 16 columns in 12, both in C (`CSHOTVAEKernels`); the portable kernel is
    /// ``portableProduct(rows:columns:depth:a:rowStride:depthStride:b:c:ldc:accumulates:)``.
    static func product(
        rows m: Int, columns n: Int, depth k: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int,
        b: Panels, c: UnsafeMutablePointer<Float>, ldc: Int, accumulates: Bool,
        instructionSet: InstructionSet = .current
    ) {
        PhaseClock.countMultiplyAdds(m * n * k)
        PhaseClock.measure(.products) {
            switch instructionSet {
            case .portable:
                portableProduct(rows: m, columns: n, depth: k, a: a, rowStride: rowStride, depthStride: depthStride,
                                b: b, c: c, ldc: ldc, accumulates: accumulates)
            case .avx2, .avx512:
                shotvae_product(instructionSet.isa, m, n, k, a, rowStride, depthStride, b.base, b.panelStride,
                                b.rowStride, c, ldc, accumulates)
            }
        }
    }

    /// ``product(rows:columns:depth:a:rowStride:depthStride:b:c:ldc:accumulates:instructionSet:)``
    /// in Swift's vectors, for CPUs without AVX2 and FMA: blocks of six rows by 16 columns.
    ///
    /// A last block of fewer than six rows repeats the last row in the registers it leaves free
    /// and stores only its own rows; a last panel of fewer than 16 columns stores only its own.
    static func portableProduct(
        rows m: Int, columns n: Int, depth k: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int,
        b: Panels, c: UnsafeMutablePointer<Float>, ldc: Int, accumulates: Bool
    ) {
        let panels = (n + panelWidth - 1) / panelWidth
        let bStep = 4 * b.rowStride
        var i = 0
        while i < m {
            let live = min(blockRows, m - i)
            @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { a + min(i + r, m - 1) * rowStride }
            let (a0, a1, a2, a3, a4, a5) = (row(0), row(1), row(2), row(3), row(4), row(5))
            for q in 0..<panels {
                var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector(), c20 = Vector(), c21 = Vector()
                var c30 = Vector(), c31 = Vector(), c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
                var bp = UnsafeRawPointer(b.base + q * b.panelStride)
                var ap = 0
                for _ in 0..<k {
                    let b0 = bp.loadUnaligned(as: Vector.self)
                    let b1 = bp.loadUnaligned(fromByteOffset: 32, as: Vector.self)
                    bp = bp + bStep
                    var x = Vector(repeating: a0[ap]); accumulate(&c00, x, b0); accumulate(&c01, x, b1)
                    x = Vector(repeating: a1[ap]); accumulate(&c10, x, b0); accumulate(&c11, x, b1)
                    x = Vector(repeating: a2[ap]); accumulate(&c20, x, b0); accumulate(&c21, x, b1)
                    x = Vector(repeating: a3[ap]); accumulate(&c30, x, b0); accumulate(&c31, x, b1)
                    x = Vector(repeating: a4[ap]); accumulate(&c40, x, b0); accumulate(&c41, x, b1)
                    x = Vector(repeating: a5[ap]); accumulate(&c50, x, b0); accumulate(&c51, x, b1)
                    // Wrapping: a checked addition here let the compiler spill accumulators.
                    ap &+= depthStride
                }
                let j = q * panelWidth
                let columns = min(panelWidth, n - j)
                let block = c + i * ldc + j
                @inline(__always) func put(_ r: Int, _ low: Vector, _ high: Vector) {
                    guard r < live else { return }
                    let target = block + r * ldc
                    if columns == panelWidth {
                        target.store(accumulates ? target.vector(at: 0) + low : low, at: 0)
                        target.store(accumulates ? target.vector(at: 8) + high : high, at: 8)
                    } else {
                        for l in 0..<columns {
                            let value = l < Vector.scalarCount ? low[l] : high[l - Vector.scalarCount]
                            target[l] = accumulates ? target[l] + value : value
                        }
                    }
                }
                put(0, c00, c01); put(1, c10, c11); put(2, c20, c21)
                put(3, c30, c31); put(4, c40, c41); put(5, c50, c51)
            }
            i += blockRows
        }
    }
}

extension Kernels {
    /// `c += x · b`: one fused multiply-add per lane when the build targets a CPU with FMA
    /// (SHOTVAE_FUSED_MULTIPLY_ADD, see Package.swift), a multiply and an add otherwise: in
    /// portable code `addProduct` is a call to the C library's `fmaf` for every lane.
    @inline(__always)
    static func accumulate(_ c: inout Vector, _ x: Vector, _ b: Vector) {
        #if SHOTVAE_FUSED_MULTIPLY_ADD
        c.addProduct(x, b)
        #else
        c += x * b
        #endif
    }
}
