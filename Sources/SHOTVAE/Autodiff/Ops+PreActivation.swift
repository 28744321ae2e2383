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
/// memory of a training step. Where the convolution runs by Winograd, the activation is
/// applied inside the input transform and never written out at all.
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
///   - processes: In training, the processes among which the whole batch is divided, over
///     which the batch norm's statistics are taken (synchronized batch norm, as in
///     ``batchNorm(_:weight:bias:runningMean:runningVariance:isTraining:momentum:epsilon:processes:)``);
///     `nil`: this batch alone.
/// - Returns: `[N, O, H', W']`.
public func preActivationConv2d(
    _ input: Variable, normWeight: Variable, normBias: Variable,
    runningMean: inout Tensor, runningVariance: inout Tensor, isTraining: Bool,
    momentum: Float = 0.1, epsilon: Float = 1e-5, negativeSlope: Float,
    weight: Variable, stride: Int = 1, padding: Int = 0, processes: (any Communicator)? = nil
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

    let transform = PhaseClock.measure(.batchNormForward) {
        BatchNormTransform(
            operation: "preActivationConv2d", input: x, gamma: normWeight.value, beta: normBias.value,
            runningMean: &runningMean, runningVariance: &runningVariance,
            isTraining: isTraining, momentum: momentum, epsilon: epsilon, processes: processes)
    }

    /// a = leakyReLU(scale · x + shift), in one pass.
    func activation() -> Tensor {
        PhaseClock.measure(.batchNormForward) {
            var a = Tensor(uninitializedShape: x.shape)
            Kernels.channelAffineLeakyReLU(
                x.pointer, a.mutablePointer, batch: batch, channels: channels, pixels: pixels,
                scale: transform.scale.pointer, shift: transform.shift.pointer, negativeSlope: negativeSlope)
            return a
        }
    }

    // On the Winograd paths (a stride-2 3x3 convolution by the polyphase form, as a 4x4 one)
    // the activation is applied as the input is transformed, in the forward pass and again for
    // the weight gradient, and never written out as a map.
    let winograd = Winograd.applies(g, outputChannels: w.shape[0])
    let strideTwo = winograd ? nil : Convolution.StrideTwo.fourByFour(g, outputChannels: w.shape[0], batch: batch)
    let fused = ChannelsLast.Activation(scale: transform.scale.pointer, shift: transform.shift.pointer,
                                        negativeSlope: negativeSlope)
    let y = PhaseClock.measure(.convolutionForward) {
        if winograd {
            return withExtendedLifetime(transform) { Winograd.forward(input: x, weight: w, inputActivation: fused, geometry: g) }
        }
        if let g4 = strideTwo {
            return withExtendedLifetime(transform) {
                PolyphaseWinograd.forward(input: x, weight: Convolution.StrideTwo.padded(w), inputActivation: fused,
                                          geometry: g4).output
            }
        }
        return Convolution.forward(input: activation(), weight: w, bias: nil, geometry: g).output
    }
    let (inputNode, gammaNode, betaNode, weightNode) = (input.node, normWeight.node, normBias.node, weight.node)
    return Variable(y, inputs: [input, normWeight, normBias, weight]) { gradient in
        let needsNorm = inputNode != nil || gammaNode != nil || betaNode != nil
        var gradients = PhaseClock.measure(.convolutionBackward) {
            // On the Winograd path the input gradient also goes through the rectifier as it is
            // written (when the weight gradient is computed too), with the batch norm's sums.
            if winograd {
                return withExtendedLifetime(transform) {
                    Winograd.backward(outputGradient: gradient, input: x, weight: w, inputActivation: fused,
                                      activationMean: transform.mean.pointer, geometry: g,
                                      computesInput: needsNorm, computesWeight: weightNode != nil)
                }
            }
            if let g4 = strideTwo {
                let (input, weight) = withExtendedLifetime(transform) {
                    PolyphaseWinograd.backward(outputGradient: gradient, input: x, weight: Convolution.StrideTwo.padded(w),
                                               inputActivation: fused, geometry: g4, computesInput: needsNorm,
                                               computesWeight: weightNode != nil)
                }
                return (input, weight.map(Convolution.StrideTwo.cropped), nil)
            }
            let (input, weight) = Convolution.backward(outputGradient: gradient, input: activation(), weight: w, geometry: g,
                                                       computesInput: needsNorm, computesWeight: weightNode != nil)
            return (input, weight, nil)
        }
        if let dw = gradients.weight { weightNode?.accumulateGradient(dw) }
        // Taken out, so that it is the only reference to its storage and is written in place.
        guard let da = gradients.input.take() else { return }
        if let sums = gradients.activationSums {
            PhaseClock.measure(.batchNormBackward) {
                transform.backward(rectifiedGradient: da, sums: sums, input: x,
                                   inputNode: inputNode, gammaNode: gammaNode, betaNode: betaNode)
            }
            return
        }
        // Through the leaky ReLU (dz = da where z = scale · x + shift > 0, slope · da elsewhere)
        // and the batch norm.
        PhaseClock.measure(.batchNormBackward) {
            transform.backward(throughLeakyReLU: da, negativeSlope: negativeSlope, input: x,
                               inputNode: inputNode, gammaNode: gammaNode, betaNode: betaNode)
        }
    }
}
