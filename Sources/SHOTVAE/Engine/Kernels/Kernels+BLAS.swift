import CBLAS

extension Kernels {
    /// OpenBLAS runs single-threaded: the engine splits work across cores itself (see
    /// ``Parallel``), so that BLAS threads and ours never compete for the same cores.
    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// `C = alpha * op(A) * op(B) + beta * C` for row-major matrices, through `cblas_sgemm`,
    /// on the calling thread.
    ///
    /// `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`; `lda`, `ldb` and `ldc` are the
    /// row strides of the matrices as stored (before the transpose).
    static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        PhaseClock.countMultiplyAdds(m * n * k)
        PhaseClock.measure(.products) {
            _ = singleThreadedBLAS
            if m == 0 || n == 0 { return }
            if k == 0 {
                for row in 0..<m {
                    if beta == 0 { fill(c + row * ldc, with: 0, count: n) } else { scale(c + row * ldc, by: beta, count: n) }
                }
                return
            }
            cblas_sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                beta, c, blasint(ldc))
        }
    }

    /// ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` split across the
    /// cores by rows of `C` (or by columns when `C` has few rows). Call it only outside a
    /// ``Parallel/forEach(_:grain:_:)`` chunk.
    static func parallelGemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let work = Double(m) * Double(n) * Double(k)
        guard work >= 2e6, Parallel.coreCount > 1 else {
            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if m >= n || m >= 64 {
            // Rows i0..<i1 of op(A) start at row i0 of A, or at column i0 when A is transposed.
            Parallel.forEach(m, grain: 8) { rows in
                gemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
                     a: a + rows.lowerBound * (transposeA ? 1 : lda), lda: lda, b: b, ldb: ldb,
                     beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        } else {
            Parallel.forEach(n, grain: 8) { columns in
                gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha,
                     a: a, lda: lda, b: b + columns.lowerBound * (transposeB ? ldb : 1), ldb: ldb,
                     beta: beta, c: c + columns.lowerBound, ldc: ldc)
            }
        }
    }
}
