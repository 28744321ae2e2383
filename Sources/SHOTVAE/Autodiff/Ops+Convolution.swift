/// A 2-D convolution (cross-correlation, as in PyTorch) of an NCHW batch.
///
/// `y[n, o, i, j] = bias[o] + Σ_{c, a, b} weight[o, c, a, b] · x[n, c, i·stride + a - padding, j·stride + b - padding]`,
/// with zeros outside the image.
///
/// - Parameters:
///   - input: `[N, C, H, W]`.
///   - weight: `[O, C, kh, kw]`.
///   - bias: `[O]`, or `nil`.
///   - stride: The step of the window, in pixels, along both axes.
///   - padding: The zero border added on every side.
/// - Returns: `[N, O, (H + 2 padding - kh) / stride + 1, (W + 2 padding - kw) / stride + 1]`.
public func conv2d(
    _ input: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Int = 0
) -> Variable {
    convolution(input, weight: weight, bias: bias, stride: stride, padding: padding, rectifies: false)
}

/// `max(0, conv2d(input, weight, bias))` (a ``Conv2D`` followed by a ``ReLU``, see
/// ``Sequential``): the rectifier is applied to the convolution's output while it is in cache,
/// and its gradient, `dy · [y > 0]`, is read from that output. The values and gradients are
/// those of the two operations one after the other.
func rectifiedConv2d(_ input: Variable, weight: Variable, bias: Variable?, stride: Int, padding: Int) -> Variable {
    convolution(input, weight: weight, bias: bias, stride: stride, padding: padding, rectifies: true)
}

/// For inference (no gradient to record): `second(max(0, first(input)))`, then `max(0, ·)` if
/// `rectifies`, with the first convolution's output made a group of images at a time while the
/// second reads it (``Convolution/chainedForward(input:first:second:rectifies:)``); `nil` when
/// the input records a gradient or the two convolutions do not run in that form, and the layers
/// then run one after the other. The values are the same either way.
func chainedConv2d(_ input: Variable, first: Conv2D, second: Conv2D, rectifies: Bool) -> Variable? {
    guard !input.requiresGradient else { return nil }
    let x = input.value
    let (w1, w2) = (first.weight.value, second.weight.value)
    let (b1, b2) = (first.bias?.value, second.bias?.value)
    guard x.rank == 4, w1.rank == 4, w2.rank == 4, x.shape[1] == w1.shape[1], w2.shape[1] == w1.shape[0] else { return nil }
    let g1 = conv2dGeometry(x.shape, weight: w1, bias: b1, stride: first.stride, padding: first.padding)
    let g2 = conv2dGeometry([x.shape[0], w1.shape[0], g1.outputHeight, g1.outputWidth], weight: w2, bias: b2,
                            stride: second.stride, padding: second.padding)
    let y = PhaseClock.measure(.convolutionForward) {
        Convolution.chainedForward(
            input: x, first: .init(weight: w1, bias: b1, geometry: g1), second: .init(weight: w2, bias: b2, geometry: g2),
            rectifies: rectifies)
    }
    return y.map { Variable($0) }
}

/// ``conv2d(_:weight:bias:stride:padding:)``, rectified if asked.
private func convolution(
    _ input: Variable, weight: Variable, bias: Variable?, stride: Int, padding: Int, rectifies: Bool
) -> Variable {
    let x = input.value
    let w = weight.value
    let g = conv2dGeometry(x.shape, weight: w, bias: bias?.value, stride: stride, padding: padding)
    // Keep the patch matrices for the weight gradient when that saves a costly second im2col.
    let keep = weight.requiresGradient
        && Convolution.keepsColumns(g, batch: x.shape[0], outputChannels: w.shape[0])
    let (y, saved) = PhaseClock.measure(.convolutionForward) {
        Convolution.forward(input: x, weight: w, bias: bias?.value, geometry: g, keepColumns: keep, rectifies: rectifies)
    }
    let (inputNode, weightNode, biasNode) = (input.node, weight.node, bias?.node)
    // Saved for the backward pass: the weight (a parameter's storage, shared), the input or its
    // patch matrices only when the weight gradient needs them, and what else the forward pass
    // kept (transformed kernels).
    let savedInput = weightNode != nil && saved.columns == nil ? x : nil
    let rectified = rectifies ? y : nil
    return Variable(y, inputs: [input, weight] + (bias.map { [$0] } ?? [])) { outputGradient in
        PhaseClock.measure(.convolutionBackward) {
            let (gradient, biasGradient) = Convolution.outputGradient(
                outputGradient, rectifiedOutput: rectified, computesBias: biasNode != nil)
            let (dx, dw) = Convolution.backward(
                outputGradient: gradient, input: savedInput, weight: w, geometry: g, saved: saved,
                computesInput: inputNode != nil, computesWeight: weightNode != nil)
            if let dx { inputNode?.accumulateGradient(dx) }
            if let dw { weightNode?.accumulateGradient(dw) }
            if let biasGradient { biasNode?.accumulateGradient(biasGradient) }
        }
    }
}

/// The geometry of `conv2d`, after checking the shapes.
private func conv2dGeometry(_ shape: [Int], weight w: Tensor, bias: Tensor?, stride: Int, padding: Int) -> ConvolutionGeometry {
    precondition(shape.count == 4 && w.rank == 4, "conv2d needs [N, C, H, W] and [O, C, kh, kw]; got \(shape) and \(w.shape).")
    precondition(shape[1] == w.shape[1], "conv2d: input has \(shape[1]) channels, weight expects \(w.shape[1]).")
    precondition(stride > 0 && padding >= 0, "conv2d: stride must be positive and padding not negative.")
    let g = ConvolutionGeometry(
        channels: shape[1], height: shape[2], width: shape[3],
        kernelHeight: w.shape[2], kernelWidth: w.shape[3], stride: stride, padding: padding)
    precondition(g.outputHeight > 0 && g.outputWidth > 0, "conv2d: kernel \(w.shape[2])x\(w.shape[3]) is larger than the padded input \(shape[2])x\(shape[3]).")
    if let bias { precondition(bias.shape == [w.shape[0]], "conv2d: bias must be [\(w.shape[0])], got \(bias.shape).") }
    return g
}

/// A 2-D transposed convolution of an NCHW batch (PyTorch's `ConvTranspose2d`): the
/// adjoint of ``conv2d(_:weight:bias:stride:padding:)``, which upsamples by `stride`.
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - weight: `[Cin, Cout, kh, kw]` (PyTorch's layout for transposed convolutions).
///   - bias: `[Cout]`, or `nil`.
///   - stride: The upsampling factor.
///   - padding: The border removed from every side of the full output.
///   - outputPadding: Extra rows and columns added at the bottom and right, to pick among
///     the output sizes that a strided convolution maps to the same input size.
/// - Returns: `[N, Cout, (H - 1) stride - 2 padding + kh + outputPadding, (W - 1) stride - 2 padding + kw + outputPadding]`.
public func convTranspose2d(
    _ input: Variable, weight: Variable, bias: Variable? = nil,
    stride: Int = 1, padding: Int = 0, outputPadding: Int = 0
) -> Variable {
    transposedConvolution(input, weight: weight, bias: bias, stride: stride, padding: padding,
                          outputPadding: outputPadding, rectifies: false)
}

/// `max(0, convTranspose2d(input, weight, bias))` (a ``ConvTranspose2D`` followed by a
/// ``ReLU``): the bias and the rectifier in one pass, and the rectifier's gradient read from the
/// output, as in ``rectifiedConv2d(_:weight:bias:stride:padding:)``.
func rectifiedConvTranspose2d(
    _ input: Variable, weight: Variable, bias: Variable?, stride: Int, padding: Int, outputPadding: Int
) -> Variable {
    transposedConvolution(input, weight: weight, bias: bias, stride: stride, padding: padding,
                          outputPadding: outputPadding, rectifies: true)
}

/// ``convTranspose2d(_:weight:bias:stride:padding:outputPadding:)``, rectified if asked.
private func transposedConvolution(
    _ input: Variable, weight: Variable, bias: Variable?, stride: Int, padding: Int, outputPadding: Int,
    rectifies: Bool
) -> Variable {
    let x = input.value
    let w = weight.value
    precondition(x.rank == 4 && w.rank == 4, "convTranspose2d needs [N, Cin, H, W] and [Cin, Cout, kh, kw]; got \(x.shape) and \(w.shape).")
    precondition(x.shape[1] == w.shape[0], "convTranspose2d: input has \(x.shape[1]) channels, weight expects \(w.shape[0]).")
    precondition(stride > 0 && padding >= 0, "convTranspose2d: stride must be positive and padding not negative.")
    precondition(outputPadding >= 0 && outputPadding < stride, "convTranspose2d: output padding must be in 0..<stride.")
    let outChannels = w.shape[1]
    // The convolution whose adjoint this is: it maps the output size back to the input size.
    let g = ConvolutionGeometry(
        channels: outChannels,
        height: (x.shape[2] - 1) * stride - 2 * padding + w.shape[2] + outputPadding,
        width: (x.shape[3] - 1) * stride - 2 * padding + w.shape[3] + outputPadding,
        kernelHeight: w.shape[2], kernelWidth: w.shape[3], stride: stride, padding: padding)
    precondition(g.height > 0 && g.width > 0, "convTranspose2d: the output would be empty.")
    precondition(g.outputHeight == x.shape[2] && g.outputWidth == x.shape[3])
    if let bias { precondition(bias.shape == [outChannels], "convTranspose2d: bias must be [\(outChannels)], got \(bias.shape).") }
    let (y, saved) = PhaseClock.measure(.transposedConvolutionForward) {
        Convolution.transposedForward(input: x, weight: w, bias: bias?.value, geometry: g, rectifies: rectifies)
    }
    let (inputNode, weightNode, biasNode) = (input.node, weight.node, bias?.node)
    let rectified = rectifies ? y : nil
    return Variable(y, inputs: [input, weight] + (bias.map { [$0] } ?? [])) { outputGradient in
        PhaseClock.measure(.transposedConvolutionBackward) {
            let (gradient, biasGradient) = Convolution.outputGradient(
                outputGradient, rectifiedOutput: rectified, computesBias: biasNode != nil)
            // A weight gradient already there (the other half of a step) takes the whole-image
            // path's gradient on its taps, without a whole kernel gradient made first.
            let addsCut = Convolution.WholeImage.applies(g) && weightNode?.gradient != nil
            let (dx, dw) = Convolution.transposedBackward(
                outputGradient: gradient, input: x, weight: w, geometry: g, saved: saved,
                computesInput: inputNode != nil, computesWeight: weightNode != nil, cutsWeightGradient: addsCut)
            if let dx { inputNode?.accumulateGradient(dx) }
            if let dw, let weightNode {
                if addsCut {
                    Convolution.WholeImage.addUncut(dw, into: &weightNode.gradient!, geometry: g)
                } else {
                    weightNode.accumulateGradient(dw)
                }
            }
            if let biasGradient { biasNode?.accumulateGradient(biasGradient) }
        }
    }
}
