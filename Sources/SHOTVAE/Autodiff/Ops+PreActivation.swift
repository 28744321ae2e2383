#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `conv2d(leakyReLU(batchNorm(x)))` as one operation: the pre-activation convolution of a
/// wide residual block, computed without keeping its intermediate values.
///
/// The result equals the three operations applied in turn (and updates the running
/// statistics the same way), but the graph keeps only the input `x`: the backward pass
/// recomputes the normalized activation, which costs one elementwise pass, instead of keeping
/// two activation maps per convolution alive until then. In a WideResNet this is most of the
/// memory of a training step.
///
/// - Parameters:
///   - input: `[N, C, H, W]`.
///   - normWeight: γ of the batch norm, `[C]`.
///   - normBias: β of the batch norm, `[C]`.
///   - runningMean: The batch norm's running mean, updated in training.
///   - runningVariance: The batch norm's running variance, updated in training.
///   - isTraining: Batch statistics (training) or running statistics (inference).
///   - momentum: The running statistics' momentum (PyTorch: 0.1).
///   - epsilon: Added to the variance (PyTorch: 1e-5).
///   - negativeSlope: The leaky ReLU's slope for negative inputs.
///   - weight: The convolution kernel, `[O, C, kh, kw]` (no bias).
///   - stride: The convolution's stride.
///   - padding: The convolution's zero padding.
/// - Returns: `[N, O, H', W']`.
public func preActivationConv2d(
    _ input: Variable, normWeight: Variable, normBias: Variable,
    runningMean: inout Tensor, runningVariance: inout Tensor, isTraining: Bool,
    momentum: Float = 0.1, epsilon: Float = 1e-5, negativeSlope: Float,
    weight: Variable, stride: Int = 1, padding: Int = 0
) -> Variable {
    let x = input.value
    let w = weight.value
    precondition(x.rank == 4 && w.rank == 4, "preActivationConv2d needs [N, C, H, W] and [O, C, kh, kw]; got \(x.shape) and \(w.shape).")
    precondition(negativeSlope >= 0, "preActivationConv2d needs a non-negative slope, got \(negativeSlope).")
    let (batch, channels) = (x.shape[0], x.shape[1])
    precondition(w.shape[1] == channels, "preActivationConv2d: input has \(channels) channels, weight expects \(w.shape[1]).")
    for (name, t) in [("normWeight", normWeight.value), ("normBias", normBias.value), ("runningMean", runningMean), ("runningVariance", runningVariance)] {
        precondition(t.shape == [channels], "preActivationConv2d: \(name) must be [\(channels)], got \(t.shape).")
    }
    let pixels = x.shape[2] * x.shape[3]
    let g = ConvolutionGeometry(
        channels: channels, height: x.shape[2], width: x.shape[3],
        kernelHeight: w.shape[2], kernelWidth: w.shape[3], stride: stride, padding: padding)
    precondition(g.outputHeight > 0 && g.outputWidth > 0, "preActivationConv2d: kernel larger than the padded input.")

    // Batch norm statistics, as batchNorm(_:) computes them.
    var mean = Tensor(uninitializedShape: [channels])
    var inverseDeviation = Tensor(uninitializedShape: [channels])
    if isTraining {
        precondition(batch * pixels > 1, "preActivationConv2d in training needs more than one value per channel.")
        var variance = Tensor(uninitializedShape: [channels])
        Kernels.channelMoments(x.pointer, batch: batch, channels: channels, pixels: pixels,
                               mean: mean.mutablePointer, variance: variance.mutablePointer)
        let unbiased = Float(batch * pixels) / Float(batch * pixels - 1)
        let rm = runningMean.mutablePointer
        let rv = runningVariance.mutablePointer
        let invStd = inverseDeviation.mutablePointer
        for c in 0..<channels {
            rm[c] = (1 - momentum) * rm[c] + momentum * mean[c]
            rv[c] = (1 - momentum) * rv[c] + momentum * variance[c] * unbiased
            invStd[c] = 1 / (variance[c] + epsilon).squareRoot()
        }
    } else {
        mean = runningMean
        let invStd = inverseDeviation.mutablePointer
        for c in 0..<channels { invStd[c] = 1 / (runningVariance[c] + epsilon).squareRoot() }
    }
    let gamma = normWeight.value
    var scale = Tensor(uninitializedShape: [channels])
    var shift = Tensor(uninitializedShape: [channels])
    for c in 0..<channels {
        scale[c] = gamma[c] * inverseDeviation[c]
        shift[c] = normBias.value[c] - mean[c] * scale[c]
    }

    /// a = leakyReLU(scale · x + shift), in one pass.
    func activation() -> Tensor {
        var a = Tensor(uninitializedShape: x.shape)
        Kernels.channelAffineLeakyReLU(
            x.pointer, a.mutablePointer, batch: batch, channels: channels, pixels: pixels,
            scale: scale.pointer, shift: shift.pointer, negativeSlope: negativeSlope)
        return a
    }

    let y = Convolution.forward(input: activation(), weight: w, bias: nil, geometry: g).output
    let (inputNode, gammaNode, betaNode, weightNode) = (input.node, normWeight.node, normBias.node, weight.node)
    return Variable(y, inputs: [input, normWeight, normBias, weight]) { gradient in
        let a = activation()
        let needsNorm = inputNode != nil || gammaNode != nil || betaNode != nil
        let (da, dw) = Convolution.backward(
            outputGradient: gradient, input: a, weight: w, geometry: g,
            computesInput: needsNorm, computesWeight: weightNode != nil)
        if let dw { weightNode?.accumulateGradient(dw) }
        guard var dz = da else { return }
        // Through the leaky ReLU: dz = da where a > 0, slope · da elsewhere (a > 0 ⟺ z > 0).
        let slope = negativeSlope
        let zero = Vector.zero
        let count = dz.count
        let dzPointer = dz.mutablePointer
        Kernels.zip(UnsafePointer(dzPointer), a.pointer, dzPointer, count: count,
                    vector: { g, a in g.replacing(with: g * slope, where: a .<= zero) },
                    scalar: { g, a in a > 0 ? g : g * slope })
        // Through the batch norm, as batchNorm(_:) does.
        var sumGradient = Tensor(uninitializedShape: [channels])
        var sumGradientNormalized = Tensor(uninitializedShape: [channels])
        Kernels.channelGradientSums(
            dz.pointer, x.pointer, batch: batch, channels: channels, pixels: pixels,
            mean: mean.pointer, inverseDeviation: inverseDeviation.pointer,
            sumGradient: sumGradient.mutablePointer, sumGradientNormalized: sumGradientNormalized.mutablePointer)
        if let inputNode {
            var dx = Tensor(uninitializedShape: x.shape)
            if isTraining {
                Kernels.batchNormInputGradient(
                    dz.pointer, x.pointer, dx.mutablePointer, batch: batch, channels: channels, pixels: pixels,
                    mean: mean.pointer, inverseDeviation: inverseDeviation.pointer, gamma: gamma.pointer,
                    sumGradient: sumGradient.pointer, sumGradientNormalized: sumGradientNormalized.pointer)
            } else {
                let zeroShift = Tensor(shape: [channels])
                Kernels.channelAffine(dz.pointer, dx.mutablePointer, batch: batch, channels: channels, pixels: pixels,
                                      scale: scale.pointer, shift: zeroShift.pointer)
            }
            inputNode.accumulateGradient(dx)
        }
        gammaNode?.accumulateGradient(sumGradientNormalized)
        betaNode?.accumulateGradient(sumGradient)
    }
}
