/// The matrix product `op(a) × op(b)` of two rank-2 variables, where `op` transposes when asked.
///
/// - Parameters:
///   - a: `[m, k]`, or `[k, m]` when `transposeA`.
///   - b: `[k, n]`, or `[n, k]` when `transposeB`.
///   - transposeA: Whether to use `a` transposed.
///   - transposeB: Whether to use `b` transposed.
/// - Returns: `[m, n]`.
public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false)
    -> Variable
{
    let (x, y) = (a.value, b.value)
    precondition(x.rank == 2 && y.rank == 2, "matmul needs rank-2 operands, got \(x.shape) and \(y.shape).")
    let m = transposeA ? x.shape[1] : x.shape[0]
    let k = transposeA ? x.shape[0] : x.shape[1]
    let n = transposeB ? y.shape[0] : y.shape[1]
    precondition(
        (transposeB ? y.shape[1] : y.shape[0]) == k,
        "matmul: inner sizes differ: \(x.shape)\(transposeA ? "ᵀ" : "") × \(y.shape)\(transposeB ? "ᵀ" : "").")
    let product = PhaseClock.measure(.denseForward) {
        var product = Tensor(uninitializedShape: [m, n])
        Kernels.parallelGemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            a: x.pointer, lda: x.shape[1], b: y.pointer, ldb: y.shape[1],
            c: product.mutablePointer, ldc: n)
        return product
    }
    let (aNode, bNode) = (a.node, b.node)
    /// dA and dB from dC.
    func matmulBackward(_ gradient: Tensor) {
        let g = gradient.pointer
        if let aNode {
            // dA = dC × op(B)ᵀ, laid out as A is (transposed back when A was transposed).
            var da = Tensor(uninitializedShape: x.shape)
            if transposeA {
                Kernels.parallelGemm(
                    transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                    a: y.pointer, lda: y.shape[1], b: g, ldb: n, c: da.mutablePointer, ldc: m)
            } else {
                Kernels.parallelGemm(
                    transposeB: !transposeB, m: m, n: k, k: n,
                    a: g, lda: n, b: y.pointer, ldb: y.shape[1], c: da.mutablePointer, ldc: k)
            }
            aNode.accumulateGradient(da)
        }
        if let bNode {
            // dB = op(A)ᵀ × dC, laid out as B is.
            var db = Tensor(uninitializedShape: y.shape)
            if transposeB {
                Kernels.parallelGemm(
                    transposeA: true, transposeB: transposeA, m: n, n: k, k: m,
                    a: g, lda: n, b: x.pointer, ldb: x.shape[1], c: db.mutablePointer, ldc: k)
            } else {
                Kernels.parallelGemm(
                    transposeA: !transposeA, m: k, n: n, k: m,
                    a: x.pointer, lda: x.shape[1], b: g, ldb: n, c: db.mutablePointer, ldc: n)
            }
            bNode.accumulateGradient(db)
        }
    }

    return Variable(product, inputs: [a, b]) { gradient in
        PhaseClock.measure(.denseBackward) { matmulBackward(gradient) }
    }
}

/// A fully connected layer's computation, `y = x Wᵀ + b`, with PyTorch's weight layout.
///
/// - Parameters:
///   - input: `[B, in]`.
///   - weight: `[out, in]`.
///   - bias: `[out]`, or `nil`.
/// - Returns: `[B, out]`.
public func linear(_ input: Variable, weight: Variable, bias: Variable? = nil) -> Variable {
    let product = matmul(input, weight, transposeB: true)
    guard let bias else { return product }
    return product + bias
}
