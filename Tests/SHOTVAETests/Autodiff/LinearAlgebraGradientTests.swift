import Testing

@testable import SHOTVAE

/// Finite-difference checks of matrix products, convolutions, batch norm and pooling
/// (tolerances: ``GradientTolerance``).
@Suite struct LinearAlgebraGradientTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmul(transposeA: Bool, transposeB: Bool) {
        let a = randomTensor(transposeA ? [4, 3] : [3, 4], seed: 1)
        let b = randomTensor(transposeB ? [5, 4] : [4, 5], seed: 2)
        checkGradients([a, b]) { SHOTVAE.matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
    }

    @Test func linear() {
        checkGradients([randomTensor([3, 4], seed: 3), randomTensor([2, 4], seed: 4), randomTensor([2], seed: 5)]) {
            SHOTVAE.linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    @Test(arguments: [(1, 1, 3), (2, 1, 3), (2, 0, 1), (1, 0, 1), (2, 1, 4)])
    func conv2d(stride: Int, padding: Int, kernel: Int) {
        let x = randomTensor([2, 3, 6, 5], seed: 6)
        let w = randomTensor([4, 3, kernel, kernel], seed: 7, scale: 0.5)
        let b = randomTensor([4], seed: 8)
        checkGradients([x, w, b]) {
            SHOTVAE.conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding)
        }
    }

    /// A map of 16x16 output pixels takes the per-image path of the convolution kernels.
    @Test func conv2dLargeMap() {
        let x = randomTensor([2, 1, 16, 16], seed: 9)
        let w = randomTensor([2, 1, 3, 3], seed: 10, scale: 0.5)
        checkGradients([x, w]) { SHOTVAE.conv2d($0[0], weight: $0[1], padding: 1) }
    }

    @Test(arguments: [(2, 1, 0, 4), (2, 1, 1, 3), (1, 0, 0, 1), (1, 1, 0, 3)])
    func convTranspose2d(stride: Int, padding: Int, outputPadding: Int, kernel: Int) {
        let x = randomTensor([2, 3, 3, 4], seed: 11)
        let w = randomTensor([3, 2, kernel, kernel], seed: 12, scale: 0.5)
        let b = randomTensor([2], seed: 13)
        checkGradients([x, w, b]) {
            SHOTVAE.convTranspose2d(
                $0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding,
                outputPadding: outputPadding)
        }
    }

    /// Output 16x16 from 8x8 inputs: the transposed convolution's per-image path.
    @Test func convTranspose2dLargeMap() {
        let x = randomTensor([1, 2, 16, 16], seed: 14)
        let w = randomTensor([2, 1, 4, 4], seed: 15, scale: 0.5)
        checkGradients([x, w]) { SHOTVAE.convTranspose2d($0[0], weight: $0[1], stride: 2, padding: 1) }
    }

    @Test(arguments: [true, false], [[4, 3, 3, 3], [6, 4]])
    func batchNorm(isTraining: Bool, shape: [Int]) {
        let channels = shape[1]
        let x = randomTensor(shape, seed: 16, scale: 2, shift: 0.5)
        let gamma = randomTensor([channels], seed: 17, shift: 1)
        let beta = randomTensor([channels], seed: 18)
        let runningMean = randomTensor([channels], seed: 19, scale: 0.1)
        let runningVariance = Tensor(shape: [channels], repeating: 1.3)
        // Batch statistics couple every element; a smaller step keeps the check accurate.
        checkGradients([x, gamma, beta], step: 5e-3) { v in
            var mean = runningMean
            var variance = runningVariance
            return SHOTVAE.batchNorm(
                v[0], weight: v[1], bias: v[2], runningMean: &mean, runningVariance: &variance,
                isTraining: isTraining)
        }
    }

    @Test func globalAveragePooling() {
        checkGradients([randomTensor([2, 3, 4, 5], seed: 20)]) { $0[0].globalAveragePooled() }
    }
}
