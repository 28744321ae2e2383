import Testing

@testable import SHOTVAE

/// The Winograd passes' matrix products (`Kernels+Product.swift`) against the definition, in
/// the three ways the passes call them, with blocks of fewer rows than a kernel's block and
/// panels of fewer than 16 columns, for every instruction set this CPU runs (the portable
/// Swift kernel, and the C kernels of AVX2 and AVX-512 where the CPU has them).
@Suite struct ProductTests {
    /// `(m, n, k)`: whole blocks and panels, then every kind of remainder.
    static let sizes: [(m: Int, n: Int, k: Int)] = [
        (12, 32, 16), (1, 16, 1), (7, 20, 9), (128, 64, 128), (13, 47, 33), (5, 3, 70), (6, 8, 8),
        (9, 33, 17), (16, 48, 64), (8, 80, 3),
    ]

    /// `C[i, j] = Σ_p A[i, p] B[p, j]` in double precision, `A[i, p]` at `a[i · rowStride + p · depthStride]`.
    func definition(m: Int, n: Int, k: Int, a: [Float], rowStride: Int, depthStride: Int, b: (Int, Int) -> Float) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k { c[i * n + j] += Double(a[i * rowStride + p * depthStride]) * Double(b(p, j)) }
            }
        }
        return c
    }

    func expectMatches(_ c: [Float], ldc: Int, _ expected: [Double], m: Int, n: Int, k: Int) {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n { worst = max(worst, abs(Double(c[i * ldc + j]) - expected[i * n + j])) }
        }
        // Sums of k products of standard normals, in single precision.
        #expect(worst <= 1e-5 * Double(k).squareRoot() * 4, "m \(m) n \(n) k \(k): largest error \(worst)")
    }

    func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
        count == 0 ? [] : randomTensor([count], seed: seed).scalars
    }

    /// `B` given transposed and packed (the convolutions): columns past `n` are zero in the
    /// panels and never stored, so `C`'s padding keeps its values.
    @Test(arguments: InstructionSet.runnable, 0..<sizes.count)
    func packedTransposeMatchesTheDefinition(instructionSet: InstructionSet, index: Int) {
        let (m, n, k) = Self.sizes[index]
        let (lda, ldt, ldc) = (k + 3, k + 5, n + 7)
        let a = randomFloats(m * lda, seed: 1), bt = randomFloats(n * ldt, seed: 2)
        var packed = [Float](repeating: .nan, count: Kernels.packedPanelsSize(columns: n, depth: k))
        Kernels.packPanels(transposed: bt, columns: n, depth: k, rowStride: ldt, into: &packed)
        for q in 0..<(n + 15) / 16 {
            for p in 0..<k {
                for l in 0..<16 {
                    let j = 16 * q + l
                    #expect(packed[(q * k + p) * 16 + l] == (j < n ? bt[j * ldt + p] : 0))
                }
            }
        }
        var c = [Float](repeating: 42, count: m * ldc)
        packed.withUnsafeBufferPointer { panels in
            Kernels.product(rows: m, columns: n, depth: k, a: a, rowStride: lda, depthStride: 1,
                            b: .init(packed: panels.baseAddress!, depth: k), c: &c, ldc: ldc, accumulates: false,
                            instructionSet: instructionSet)
        }
        expectMatches(c, ldc: ldc, definition(m: m, n: n, k: k, a: a, rowStride: lda, depthStride: 1) { p, j in bt[j * ldt + p] },
                      m: m, n: n, k: k)
        #expect((0..<m).allSatisfy { i in (n..<ldc).allSatisfy { c[i * ldc + $0] == 42 } })
    }

    /// `B` read in place (the adjoint passes), columns in whole panels.
    @Test(arguments: InstructionSet.runnable, 0..<sizes.count)
    func rowMajorMatchesTheDefinition(instructionSet: InstructionSet, index: Int) {
        let (m, size, k) = Self.sizes[index]
        let n = (size + 15) / 16 * 16
        let (lda, ldb, ldc) = (k + 1, n + 8, n + 4)
        let a = randomFloats(m * lda, seed: 3), b = randomFloats(k * ldb, seed: 4)
        var c = [Float](repeating: .nan, count: m * ldc)
        b.withUnsafeBufferPointer { matrix in
            Kernels.product(rows: m, columns: n, depth: k, a: a, rowStride: lda, depthStride: 1,
                            b: .init(rowMajor: matrix.baseAddress!, rowStride: ldb, columns: n), c: &c, ldc: ldc,
                            accumulates: false, instructionSet: instructionSet)
        }
        expectMatches(c, ldc: ldc, definition(m: m, n: n, k: k, a: a, rowStride: lda, depthStride: 1) { p, j in b[p * ldb + j] },
                      m: m, n: n, k: k)
    }

    /// `A` transposed in place and `C` accumulated (the kernel gradients' sums).
    @Test(arguments: InstructionSet.runnable, 0..<sizes.count)
    func transposedAccumulationMatchesTheDefinition(instructionSet: InstructionSet, index: Int) {
        let (m, size, k) = Self.sizes[index]
        let n = (size + 15) / 16 * 16
        let (ldd, ldv) = (m + 8, n + 8)
        let d = randomFloats(k * ldd, seed: 5), v = randomFloats(k * ldv, seed: 6)
        let start = randomFloats(m * n, seed: 7)
        var c = start
        v.withUnsafeBufferPointer { matrix in
            Kernels.product(rows: m, columns: n, depth: k, a: d, rowStride: 1, depthStride: ldd,
                            b: .init(rowMajor: matrix.baseAddress!, rowStride: ldv, columns: n), c: &c, ldc: n,
                            accumulates: true, instructionSet: instructionSet)
        }
        var expected = definition(m: m, n: n, k: k, a: d, rowStride: 1, depthStride: ldd) { p, j in v[p * ldv + j] }
        for index in expected.indices { expected[index] += Double(start[index]) }
        expectMatches(c, ldc: n, expected, m: m, n: n, k: k)
    }

    /// `gemm` with `B` not transposed (the im2col convolutions' products, the kernel gradients'
    /// sums) gives `op(A) B`, or adds it to `C`, whether its columns are whole panels (`B` read
    /// in place) or not (`B` packed), with `A` transposed or not.
    @Test(arguments: [(true, 48), (false, 48), (true, 20), (false, 20)], [false, true])
    func multiplyMatchesTheDefinition(shape: (transposeA: Bool, n: Int), accumulates: Bool) {
        let (transposeA, n) = shape
        let (m, k) = (13, 16)
        let lda = transposeA ? m + 2 : k + 2
        let a = randomFloats((transposeA ? k : m) * lda, seed: 9), b = randomFloats(k * n, seed: 10)
        let start = randomFloats(m * n, seed: 11)
        var c = accumulates ? start : [Float](repeating: .nan, count: m * n)
        Kernels.gemm(transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: n, c: &c, ldc: n,
                         accumulates: accumulates)
        var expected = definition(m: m, n: n, k: k, a: a, rowStride: transposeA ? 1 : lda,
                                  depthStride: transposeA ? lda : 1) { p, j in b[p * n + j] }
        if accumulates { for index in expected.indices { expected[index] += Double(start[index]) } }
        expectMatches(c, ldc: n, expected, m: m, n: n, k: k)
    }

    /// This CPU's widest set is found and used: an x86-64 CPU with AVX2 and FMA in /proc/cpuinfo
    /// runs at least the AVX2 kernels, one with AVX-512F the AVX-512 ones.
    @Test func theWidestInstructionSetIsChosen() throws {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        #if arch(x86_64)
        let expected: InstructionSet = flags.contains("avx512f") ? .avx512
            : flags.contains("avx2") && flags.contains("fma") ? .avx2 : .portable
        #expect(InstructionSet.supported == expected, "flags: \(flags.filter { $0.hasPrefix("avx") || $0 == "fma" })")
        #else
        #expect(InstructionSet.supported == .portable)
        #endif
        #expect(InstructionSet.runnable.last == InstructionSet.supported)
    }

    /// Packing many matrices across the cores gives each one's panels in turn.
    @Test func packedPanelsPacksEveryMatrix() {
        let (count, n, k) = (5, 24, 12)
        let matrices = randomFloats(count * n * k, seed: 8)
        let packed = matrices.withUnsafeBufferPointer {
            Kernels.packedPanels($0.baseAddress!, count: count, columns: n, depth: k, rowStride: k)
        }
        let size = Kernels.packedPanelsSize(columns: n, depth: k)
        #expect(packed.shape == [count, size])
        for index in 0..<count {
            var one = [Float](repeating: .nan, count: size)
            matrices.withUnsafeBufferPointer {
                Kernels.packPanels(transposed: $0.baseAddress! + index * n * k, columns: n, depth: k, rowStride: k, into: &one)
            }
            #expect(Array(packed.scalars[index * size..<(index + 1) * size]) == one)
        }
    }
}
