extension Kernels {
    /// Depth of one pass of ``gemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulates:)``:
    /// a packed slice of `B` of 256 rows by a few hundred columns stays in the core's L2 cache
    /// while every block of `A`'s rows runs over it.
    static let gemmDepth = 256

    /// `C = op(A) op(B)`, or `C += op(A) op(B)` if `accumulates`, for row-major matrices, on the
    /// calling thread, with the engine's register-blocked products
    /// (``product(rows:columns:depth:a:rowStride:depthStride:b:c:ldc:accumulates:instructionSet:)``).
    ///
    /// `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`; `lda`, `ldb` and `ldc` are the
    /// row strides of the matrices as stored (before the transpose). `A` is read where it lies,
    /// transposed or not; `B` too when it is not transposed and its columns come in whole
    /// panels of 16, and otherwise packed into panels, ``gemmDepth`` rows at a time.
    ///
    /// The convolutions' products by im2col have a depth of a few kernel taps or channels (16
    /// for the MNIST VAE's grey-scale stem), and the Winograd kernel gradients' sums add each
    /// group's products to a core's partial sums: `B` is read in place there, where `sgemm`
    /// would copy it, and `C` is added to where `sgemm` would clear it first.
    static func gemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulates: Bool = false
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulates { for row in 0..<m { fill(c + row * ldc, with: 0, count: n) } }
            return
        }
        PhaseClock.measure(.products) {
            multiplyInSlices(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda,
                             b: b, ldb: ldb, c: c, ldc: ldc, accumulates: accumulates)
        }
    }

    /// ``gemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulates:)`` for `k > 0`: `B`
    /// packed (or read in place) and multiplied ``gemmDepth`` rows at a time.
    private static func multiplyInSlices(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulates: Bool
    ) {
        let (rowStride, depthStride) = transposeA ? (1, lda) : (lda, 1)
        let inPlace = !transposeB && n % panelWidth == 0
        var packed = inPlace ? nil : Tensor(uninitializedShape: [packedPanelsSize(columns: n, depth: min(k, gemmDepth))])
        for p0 in Swift.stride(from: 0, to: k, by: gemmDepth) {
            let depth = min(gemmDepth, k - p0)
            let panels: Panels
            if inPlace {
                panels = Panels(rowMajor: b + p0 * ldb, rowStride: ldb, columns: n)
            } else {
                let destination = packed!.mutablePointer
                if transposeB {
                    packPanels(transposed: b + p0, columns: n, depth: depth, rowStride: ldb, into: destination)
                } else {
                    packPanels(rowMajor: b + p0 * ldb, columns: n, depth: depth, rowStride: ldb, into: destination)
                }
                panels = Panels(packed: destination, depth: depth)
            }
            product(rows: m, columns: n, depth: depth, a: a + p0 * depthStride, rowStride: rowStride,
                    depthStride: depthStride, b: panels, c: c, ldc: ldc, accumulates: accumulates || p0 > 0)
        }
        withExtendedLifetime(packed) {}
    }

    /// A row-major `B` `[k, n]`, rows `rowStride` apart, packed into `[⌈n / 16⌉, k, 16]` as
    /// ``packPanels(transposed:columns:depth:rowStride:into:)`` packs a transposed one: panel
    /// `q`'s row `p` holds `b[p, 16q …]`, zeros past column `n`.
    static func packPanels(
        rowMajor b: UnsafePointer<Float>, columns n: Int, depth k: Int, rowStride: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let panels = (n + panelWidth - 1) / panelWidth
        for q in 0..<panels {
            let j0 = q * panelWidth
            let width = min(panelWidth, n - j0)
            let panel = packed + q * panelWidth * k
            for p in 0..<k {
                let source = b + p * rowStride + j0
                let destination = panel + p * panelWidth
                if width == panelWidth {
                    destination.store(source.vector(at: 0), at: 0)
                    destination.store(source.vector(at: 8), at: 8)
                } else {
                    for l in 0..<panelWidth { destination[l] = l < width ? source[l] : 0 }
                }
            }
        }
    }

    /// ``gemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulates:)`` split across the
    /// cores by rows of `C` (or by columns when `C` has few rows). Call it only outside a
    /// ``Parallel/forEach(_:grain:_:)`` chunk.
    static func parallelGemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulates: Bool = false
    ) {
        let work = Double(m) * Double(n) * Double(k)
        guard work >= 2e6, Parallel.coreCount > 1 else {
            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                 a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulates: accumulates)
            return
        }
        if m >= n || m >= 64 {
            // Rows i0..<i1 of op(A) start at row i0 of A, or at column i0 when A is transposed.
            Parallel.forEach(m, grain: 8) { rows in
                gemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k,
                     a: a + rows.lowerBound * (transposeA ? 1 : lda), lda: lda, b: b, ldb: ldb,
                     c: c + rows.lowerBound * ldc, ldc: ldc, accumulates: accumulates)
            }
        } else {
            // Columns in whole panels, so that each core's share of B is read in place when B's is.
            let panels = (n + panelWidth - 1) / panelWidth
            Parallel.forEach(panels, grain: 1) { range in
                let first = range.lowerBound * panelWidth
                let columns = min(n, range.upperBound * panelWidth) - first
                gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: columns, k: k,
                     a: a, lda: lda, b: b + first * (transposeB ? ldb : 1), ldb: ldb,
                     c: c + first, ldc: ldc, accumulates: accumulates)
            }
        }
    }
}
