import Testing

@testable import SHOTVAE

/// The fused pre-activation convolution: finite-difference gradients, and the same values,
/// gradients and running statistics as batch norm, leaky ReLU and convolution applied in turn,
/// on the im2col path and on the Winograd path (where the activation is applied inside the
/// input transform).
@Suite struct PreActivationTests {
    static let slope: Float = 0.1

    /// The unfused reference: `conv2d(leakyReLU(batchNorm(x)))`.
    static func unfused(
        _ v: [Variable], mean: inout Tensor, variance: inout Tensor, isTraining: Bool, stride: Int, padding: Int
    ) -> Variable {
        let normalized = batchNorm(
            v[0], weight: v[1], bias: v[2], runningMean: &mean, runningVariance: &variance, isTraining: isTraining)
        return conv2d(normalized.leakyReLU(negativeSlope: slope), weight: v[3], stride: stride, padding: padding)
    }

    static func fused(
        _ v: [Variable], mean: inout Tensor, variance: inout Tensor, isTraining: Bool, stride: Int, padding: Int
    ) -> Variable {
        preActivationConv2d(
            v[0], normWeight: v[1], normBias: v[2], runningMean: &mean, runningVariance: &variance,
            isTraining: isTraining, negativeSlope: slope, weight: v[3], stride: stride, padding: padding)
    }

    /// `x`, γ, β and the kernel: 2 to 3 channels (im2col) unless told otherwise.
    static func inputs(channels: Int = 2, outputs: Int = 3, side: Int = 5) -> [Tensor] {
        [
            randomTensor([3, channels, side, side], seed: 31, scale: 2, shift: 0.3),
            randomTensor([channels], seed: 32, shift: 1),
            randomTensor([channels], seed: 33),
            randomTensor([outputs, channels, 3, 3], seed: 34, scale: 0.5),
        ]
    }

    @Test(arguments: [true, false], [(1, 1), (2, 1), (1, 0)])
    func gradients(isTraining: Bool, geometry: (stride: Int, padding: Int)) {
        let runningMean = randomTensor([2], seed: 35, scale: 0.1)
        let runningVariance = Tensor(shape: [2], repeating: 1.7)
        checkGradients(Self.inputs(), step: 5e-3) { v in
            var mean = runningMean
            var variance = runningVariance
            return Self.fused(
                v, mean: &mean, variance: &variance, isTraining: isTraining,
                stride: geometry.stride, padding: geometry.padding)
        }
    }

    /// The paths of the convolution: im2col (2 channels, stride 2); Winograd (16 channels, a 7x7
    /// map whose last tiles reach past it); the polyphase form of a stride-2 3x3 convolution (16
    /// channels, 32x32, small side 16x16). (Finite differences on the Winograd paths would
    /// measure the transforms' rounding, not the gradient: the unfused operations are checked
    /// instead, each with its own gradient check.)
    enum Path: CaseIterable { case im2col, winograd, strideTwo }

    @Test(arguments: [true, false], Path.allCases)
    func matchesUnfusedOperations(isTraining: Bool, path: Path) {
        let (channels, stride, side, outputSide) = switch path {
        case .im2col: (2, 2, 5, 3)
        case .winograd: (16, 1, 7, 7)
        case .strideTwo: (16, 2, 32, 16)
        }
        let values = path == .im2col ? Self.inputs() : Self.inputs(channels: 16, outputs: 16, side: side)
        if path == .strideTwo {
            let g = ConvolutionGeometry(channels: 16, height: side, width: side, kernelHeight: 3, kernelWidth: 3,
                                        stride: 2, padding: 1)
            #expect(Convolution.StrideTwo.fourByFour(g, outputChannels: 16, batch: 3) != nil)
        }
        let runningMean = randomTensor([channels], seed: 36, scale: 0.1)
        let runningVariance = Tensor(shape: [channels], repeating: 0.8)
        let projection = randomTensor([3, values[3].shape[0], outputSide, outputSide], seed: 37)

        func run(
            _ op: ([Variable], inout Tensor, inout Tensor) -> Variable
        ) -> (output: Tensor, gradients: [Tensor], mean: Tensor, variance: Tensor) {
            let variables = values.map { Variable($0, requiresGradient: true) }
            var mean = runningMean
            var variance = runningVariance
            let y = op(variables, &mean, &variance)
            (y * Variable(projection)).sum().backward()
            return (y.value, variables.map { $0.gradient! }, mean, variance)
        }
        let reference = run {
            Self.unfused($0, mean: &$1, variance: &$2, isTraining: isTraining, stride: stride, padding: 1)
        }
        let candidate = run {
            Self.fused($0, mean: &$1, variance: &$2, isTraining: isTraining, stride: stride, padding: 1)
        }
        expectClose(candidate.output, reference.output, relative: 1e-5, absolute: 1e-5, "output")
        for (name, pair) in zip(["input", "gamma", "beta", "weight"], zip(candidate.gradients, reference.gradients)) {
            expectClose(pair.0, pair.1, relative: 1e-4, absolute: 1e-5, "\(name) gradient")
        }
        expectClose(candidate.mean, reference.mean, "running mean")
        expectClose(candidate.variance, reference.variance, "running variance")
        if isTraining {
            #expect(candidate.mean.scalars != runningMean.scalars, "training updates the running mean")
        } else {
            #expect(candidate.mean.scalars == runningMean.scalars, "inference leaves the running mean alone")
        }
    }

    /// Only the gradients asked for are computed; a frozen input gets none and costs nothing.
    @Test func frozenInputGetsNoGradient() {
        let values = Self.inputs()
        let x = Variable(values[0])
        let rest = values.dropFirst().map { Variable($0, requiresGradient: true) }
        var mean = Tensor(shape: [2])
        var variance = Tensor(shape: [2], repeating: 1)
        let y = Self.fused([x] + rest, mean: &mean, variance: &variance, isTraining: true, stride: 1, padding: 1)
        y.sum().backward()
        #expect(x.gradient == nil)
        #expect(rest.allSatisfy { $0.gradient != nil })
    }
}
