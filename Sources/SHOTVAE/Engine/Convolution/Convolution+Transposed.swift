extension Convolution {
    /// The transposed convolution of `input` `[N, O, outputHeight, outputWidth]` with `weight`
    /// `[O, C, kh, kw]`: the adjoint of ``forward(input:weight:bias:geometry:keepColumns:rectifies:)``,
    /// giving `[N, C, H, W]` (plus `bias[C]`, then `max(0, ·)` if `rectifies`, in one pass); and
    /// what its backward pass can use again.
    static func transposedForward(
        input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry, rectifies: Bool = false
    ) -> (output: Tensor, saved: Saved) {
        var y: Tensor
        var saved = Saved()
        switch form(g, outputChannels: weight.shape[0], batch: input.shape[0]) {
        case .wholeImage:
            let cut = WholeImage.cutKernels(weight, geometry: g)
            y = WholeImage.backward(outputGradient: input, input: nil, weight: weight, cut: cut, geometry: g,
                                    computesInput: true, computesWeight: false).input!
            saved.transformedKernels = cut
        case .polyphase:
            let (output, kernels) = PolyphaseWinograd.transposedForward(input: input, weight: weight, geometry: g)
            y = output
            // Kept for the backward pass only when they take no more memory than the output: on
            // the CIFAR decoder's 256 -> 128 layer they are 12.5 MiB against an 8 MiB output,
            // kept through every decoder pass of the step, and transformed again in the
            // backward pass instead.
            saved.transformedKernels = kernels.count <= output.count ? kernels : nil
        case .strideTwo, .winograd, .im2col:
            // The adjoint is the convolution's input gradient, in whichever form that runs.
            y = backward(outputGradient: input, input: nil, weight: weight, geometry: g,
                         computesInput: true, computesWeight: false).input!
        }
        if bias != nil || rectifies {
            addChannelBias(bias?.pointer, to: y.mutablePointer, batch: input.shape[0], channels: g.channels,
                           pixels: g.inputPixels, rectifies: rectifies)
        }
        return withExtendedLifetime(bias) { (y, saved) }
    }

    /// The gradients of ``transposedForward(input:weight:bias:geometry:rectifies:)``: with respect to its
    /// input, the convolution of the output gradient, `W × columns(dy)`; with respect to its
    /// weight, `Σ_n x_n × columns(dy_n)ᵀ`. The output gradient is unfolded once for both.
    ///
    /// - Parameters:
    ///   - outputGradient: `[N, C, H, W]`.
    ///   - input: `[N, O, outputHeight, outputWidth]`.
    ///   - weight: `[O, C, kh, kw]`.
    ///   - saved: What the forward pass kept (its transformed kernels), if anything.
    ///   - cutsWeightGradient: Where ``WholeImage`` runs the layer, return the weight gradient
    ///     cut to the taps that meet the image, `[O, C·H·W]`, for
    ///     ``WholeImage/addUncut(_:into:geometry:)`` to add into a gradient already there.
    static func transposedBackward(
        outputGradient: Tensor, input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, saved: Saved = Saved(),
        computesInput: Bool, computesWeight: Bool, cutsWeightGradient: Bool = false
    ) -> (input: Tensor?, weight: Tensor?) {
        switch form(g, outputChannels: weight.shape[0], batch: outputGradient.shape[0]) {
        case .wholeImage:
            // The input gradient is the convolution of the output gradient; the weight gradient
            // is the convolution's, the two sides swapped.
            let dx = computesInput
                ? WholeImage.forward(input: outputGradient, weight: weight, cut: saved.transformedKernels, bias: nil,
                                     rectifies: false, geometry: g).output
                : nil
            let dw = WholeImage.backward(outputGradient: input, input: outputGradient, weight: weight, geometry: g,
                                         computesInput: false, computesWeight: computesWeight,
                                         cutsWeightGradient: cutsWeightGradient).weight
            return (dx, dw)
        case .polyphase:
            return PolyphaseWinograd.transposedBackward(outputGradient: outputGradient, input: input, weight: weight,
                                                        kernels: saved.transformedKernels, geometry: g, computesInput: computesInput,
                                                        computesWeight: computesWeight)
        case .strideTwo, .winograd, .im2col:
            break
        }
        let (batch, outChannels) = (outputGradient.shape[0], weight.shape[0])
        let (pixels, imageSize) = (g.outputPixels, g.channels * g.inputPixels)
        var (size, workspace, partials) = im2colScratch(g, batch: batch, outChannels: outChannels,
                                                          computesWeight: computesWeight)
        var dx = computesInput ? Tensor(uninitializedShape: input.shape) : nil
        let dxPointer = dx?.mutablePointer
        let dy = outputGradient.pointer
        let x = input.pointer
        let w = weight.pointer
        forEachGroup(batch: batch, size: size, sharing: partials == nil ? .claimed : .fixed) { worker, images in
            let width = images.count * pixels
            let patches: UnsafePointer<Float>
            if g.isPointwise && images.count == 1 {
                patches = dy + images.lowerBound * imageSize
            } else {
                let columns = workspace.first(worker)
                unfold(dy, images: images, geometry: g, into: columns)
                patches = UnsafePointer(columns)
            }
            if let dxPointer {
                multiply(w, rows: outChannels, depth: g.patchSize, patches, images: images, pixels: pixels,
                         into: dxPointer, workspace: workspace.second(worker))
            }
            if let partials {
                let source = gather(x, images: images, channels: outChannels, pixels: pixels, workspace: workspace.third(worker))
                Kernels.gemm(transposeB: true, m: outChannels, n: g.patchSize, k: width,
                             a: source, lda: width, b: patches, ldb: width,
                             c: partials.sums(worker), ldc: g.patchSize, accumulates: true)
            }
        }
        return (dx, partials?.total(shape: weight.shape))
    }
}
