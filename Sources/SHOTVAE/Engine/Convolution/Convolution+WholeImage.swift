extension Convolution {
    /// Convolutions whose window covers the whole image exactly, one output pixel per image:
    /// `H + 2p = kh` and `W + 2p = kw`. The DCGAN decoder's first 4x4 transposed convolution, from
    /// 1x1 to 2x2 with padding 1, is the adjoint of one.
    ///
    /// Im2col would multiply every one of the `kh · kw` taps, most of them on the zero border (12
    /// of 16 for that layer). Here only the taps that meet the image take part, in one dense
    /// product with the kernel cut to them, `Ŵ[o, (c, a, b)] = W[o, c, a + p, b + p]`:
    /// `y[n, o] = Σ Ŵ[o, (c, a, b)] x[n, c, a, b]`, the batch as the rows of the product.
    enum WholeImage {
        /// Whether `g` has one output pixel whose window covers the image exactly.
        static func applies(_ g: ConvolutionGeometry) -> Bool {
            g.outputHeight == 1 && g.outputWidth == 1
                && g.height + 2 * g.padding == g.kernelHeight && g.width + 2 * g.padding == g.kernelWidth
        }

        /// `Ŵ` `[O, C·H·W]`: the taps of `weight` `[O, C, kh, kw]` that meet the image.
        static func cutKernels(_ weight: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
            let (outChannels, imageSize) = (weight.shape[0], g.channels * g.inputPixels)
            if g.padding == 0 { return weight.reshaped(to: [outChannels, imageSize]) }
            var cut = Tensor(uninitializedShape: [outChannels, imageSize])
            let (w, u) = (weight.pointer, cut.mutablePointer)
            let (kh, kw) = (g.kernelHeight, g.kernelWidth)
            // The kernels split across the cores (a large layer's weight is tens of megabytes).
            Parallel.forEach(outChannels * g.channels, grain: max(1, Tensor.elementwiseGrain / (kh * kw))) { kernels in
                for kernel in kernels {
                    for a in 0..<g.height {
                        (u + (kernel * g.height + a) * g.width)
                            .update(from: w + (kernel * kh + a + g.padding) * kw + g.padding, count: g.width)
                    }
                }
            }
            return cut
        }

        /// The kernel gradient `[O, C, kh, kw]` from that of the cut kernels `[O, C·H·W]`: zero on
        /// the taps that never meet the image.
        static func uncutKernels(_ cut: Tensor, outChannels: Int, geometry g: ConvolutionGeometry) -> Tensor {
            let shape = [outChannels, g.channels, g.kernelHeight, g.kernelWidth]
            if g.padding == 0 { return cut.reshaped(to: shape) }
            var weight = Tensor(uninitializedShape: shape)
            let (u, w) = (cut.pointer, weight.mutablePointer)
            let (kh, kw) = (g.kernelHeight, g.kernelWidth)
            Parallel.forEach(outChannels * g.channels, grain: max(1, Tensor.elementwiseGrain / (kh * kw))) { kernels in
                for kernel in kernels {
                    let taps = w + kernel * kh * kw
                    Kernels.fill(taps, with: 0, count: kh * kw)
                    for a in 0..<g.height {
                        (taps + (a + g.padding) * kw + g.padding).update(from: u + (kernel * g.height + a) * g.width, count: g.width)
                    }
                }
            }
            return weight
        }

        /// Adds the gradient of the cut kernels `[O, C·H·W]` into a kernel gradient `[O, C, kh,
        /// kw]` on the taps that meet the image (the others gain zero): the sum
        /// ``uncutKernels(_:outChannels:geometry:)`` would give, without writing out a whole
        /// kernel gradient of zeros first. For the DCGAN decoder's 1x1-to-2x2 layer, whose
        /// gradient each half of a step adds into, that one was 32 MiB.
        static func addUncut(_ cut: Tensor, into gradient: inout Tensor, geometry g: ConvolutionGeometry) {
            let (kh, kw) = (g.kernelHeight, g.kernelWidth)
            let kernels = gradient.count / (kh * kw)
            precondition(cut.count == kernels * g.inputPixels, "The cut gradient does not match the kernel gradient.")
            let (u, w) = (cut.pointer, gradient.mutablePointer)
            Parallel.forEach(kernels, grain: max(1, Tensor.elementwiseGrain / (kh * kw))) { range in
                for kernel in range {
                    for a in 0..<g.height {
                        let taps = w + (kernel * kh + a + g.padding) * kw + g.padding
                        Kernels.add(u + (kernel * g.height + a) * g.width, into: taps, count: g.width)
                    }
                }
            }
        }

        /// `y[n, o] = Σ Ŵ[o, ·] x[n, ·] (+ bias[o])`, then `max(0, ·)` if `rectifies`: `input`
        /// `[N, C, H, W]` to `[N, O, 1, 1]`; and the cut kernels `Ŵ` (those given in `cut`, or made
        /// here), which the input gradient multiplies by again.
        static func forward(
            input: Tensor, weight: Tensor, cut given: Tensor? = nil, bias: Tensor?, rectifies: Bool,
            geometry g: ConvolutionGeometry
        ) -> (output: Tensor, cut: Tensor) {
            let (batch, outChannels, imageSize) = (input.shape[0], weight.shape[0], g.channels * g.inputPixels)
            let cut = given ?? cutKernels(weight, geometry: g)
            var output = Tensor(uninitializedShape: [batch, outChannels, 1, 1])
            let y = output.mutablePointer
            Kernels.parallelGemm(transposeB: true, m: batch, n: outChannels, k: imageSize,
                                 a: input.pointer, lda: imageSize, b: cut.pointer, ldb: imageSize, c: y, ldc: outChannels)
            if bias != nil || rectifies {
                addChannelBias(bias?.pointer, to: y, batch: batch, channels: outChannels, pixels: 1, rectifies: rectifies)
            }
            return withExtendedLifetime(bias) { (output, cut) }
        }

        /// The gradients of ``forward(input:weight:cut:bias:rectifies:geometry:)`` with respect to
        /// its input, `dx[n, ·] = Σ_o dy[n, o] Ŵ[o, ·]` (also a transposed convolution from `[N, O,
        /// 1, 1]`), and its weight, `dŴ = dyᵀ x`. `cut`: the cut kernels, if the forward pass kept
        /// them.
        static func backward(
            outputGradient: Tensor, input: Tensor?, weight: Tensor, cut given: Tensor? = nil,
            geometry g: ConvolutionGeometry, computesInput: Bool, computesWeight: Bool, cutsWeightGradient: Bool = false
        ) -> (input: Tensor?, weight: Tensor?) {
            let (batch, outChannels, imageSize) = (outputGradient.shape[0], weight.shape[0], g.channels * g.inputPixels)
            let dy = outputGradient.pointer
            var dx: Tensor?
            if computesInput {
                let cut = given ?? cutKernels(weight, geometry: g)
                var result = Tensor(uninitializedShape: [batch, g.channels, g.height, g.width])
                Kernels.parallelGemm(m: batch, n: imageSize, k: outChannels, a: dy, lda: outChannels,
                                     b: cut.pointer, ldb: imageSize, c: result.mutablePointer, ldc: imageSize)
                dx = result
            }
            var dw: Tensor?
            if computesWeight, let input {
                var cut = Tensor(uninitializedShape: [outChannels, imageSize])
                Kernels.parallelGemm(transposeA: true, m: outChannels, n: imageSize, k: batch, a: dy, lda: outChannels,
                                     b: input.pointer, ldb: imageSize, c: cut.mutablePointer, ldc: imageSize)
                dw = cutsWeightGradient ? cut : uncutKernels(cut, outChannels: outChannels, geometry: g)
            }
            return (dx, dw)
        }
    }
}
