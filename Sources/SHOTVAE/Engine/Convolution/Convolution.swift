/// 2-D convolution over NCHW batches as im2col and a matrix product, in the directions that training
/// needs, for convolutions and for transposed convolutions (their adjoints).
///
/// A convolution with weight `[O, C, kh, kw]` is the matrix product `W[O, C·kh·kw] ×
/// columns[C·kh·kw, pixels]`, where `columns` is the image unfolded into patches (im2col).
/// The batch is cut into groups of a few images; each core takes its share of the groups and,
/// for each group, unfolds the images side by side into a patch matrix small enough to stay
/// in its cache, then multiplies on its own core (``Kernels/gemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulates:)``, see ``Parallel`` for the
/// thread policy). Unfolding in cache costs a fraction of what a whole-batch patch matrix
/// costs in memory traffic, and the two cores never wait on each other.
///
/// 3x3 convolutions of stride 1 and padding 1 between layers of 16 channels or more (the body
/// of a WideResNet) go to ``Winograd`` instead, in every direction: 4 times fewer
/// multiplications than im2col. The 4x4 ones of stride 2 and padding 1 (the MNIST VAE's, and
/// the transposed convolutions of the decoders) go to ``PolyphaseWinograd``: 2.56 times fewer.
/// Those whose window covers the whole image, one output pixel (the adjoint of the DCGAN
/// decoder's 1x1-to-2x2 layer), go to ``WholeImage``: a dense product without the border's
/// taps.
///
/// The forward pass can keep its patch matrices for the weight gradient, where unfolding is
/// a large share of the work (few output channels, small images); the backward pass unfolds
/// once for both gradients where both need the same patches.
enum Convolution {
    /// The patch matrix of one group aims at this many bytes (a share of the L2/L3 cache).
    static let groupBytes = 2_500_000
    /// A group's product aims at this many columns at least, so that it runs near its peak.
    static let groupColumns = 512
    /// The forward pass keeps its patch matrices for the backward pass when they take at most
    /// this many bytes and the layer has fewer than ``keptColumnsChannelLimit`` output channels.
    static let keptColumnsBytes = 32 << 20
    /// Layers with this many output channels or more recompute their patches: the product
    /// then dominates, and keeping the patches would cost more memory than time saved.
    static let keptColumnsChannelLimit = 128

    /// What a forward pass keeps for its backward pass: the patch matrices (im2col, when asked),
    /// or the kernels in the form it multiplied by, which the other pass multiplies by again
    /// (transformed for ``PolyphaseWinograd``, cut to the image for ``WholeImage``).
    struct Saved {
        var columns: Tensor?
        var transformedKernels: Tensor?
    }

    /// How many images form one group for this geometry.
    static func groupSize(_ g: ConvolutionGeometry, batch: Int) -> Int {
        let imageBytes = max(1, g.patchSize * g.outputPixels * MemoryLayout<Float>.stride)
        let byCache = max(1, groupBytes / imageBytes)
        let byWidth = max(1, (groupColumns + g.outputPixels - 1) / g.outputPixels)
        // Keep at least one group per core when the batch allows it.
        let byCores = max(1, batch / Parallel.coreCount)
        return max(1, min(byCores, min(byCache, max(byWidth, 2))))
    }

    /// Whether the forward pass of this layer should keep its patch matrices.
    static func keepsColumns(_ g: ConvolutionGeometry, batch: Int, outputChannels: Int) -> Bool {
        !g.isPointwise && outputChannels < keptColumnsChannelLimit
            && g.patchSize * g.outputPixels * batch * MemoryLayout<Float>.stride <= keptColumnsBytes
    }

    /// `y[n, o] = Σ_c w[o, c] ⋆ x[n, c] (+ bias[o])`.
    ///
    /// - Parameters:
    ///   - input: `[N, C, H, W]`, described by `g` without the batch.
    ///   - weight: `[O, C, kh, kw]`.
    ///   - bias: `[O]`, or `nil`.
    ///   - keepColumns: Whether to keep the patch matrices for ``backward(outputGradient:input:weight:geometry:saved:computesInput:computesWeight:)``.
    ///   - rectifies: Whether to apply `max(0, ·)` to the output (inference with a ReLU next),
    ///     on each group while it is in cache.
    /// - Returns: `[N, O, outputHeight, outputWidth]`, and what the backward pass can use again
    ///   (the patch matrices if kept, or the kernels in the form multiplied by).
    static func forward(
        input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry, keepColumns: Bool = false,
        rectifies: Bool = false
    ) -> (output: Tensor, saved: Saved) {
        let batch = input.shape[0]
        let outChannels = weight.shape[0]
        switch form(g, outputChannels: outChannels, batch: batch) {
        case .wholeImage:
            let (y, cut) = WholeImage.forward(input: input, weight: weight, bias: bias, rectifies: rectifies, geometry: g)
            return (y, Saved(transformedKernels: cut))
        case .polyphase:
            let (y, kernels) = PolyphaseWinograd.forward(input: input, weight: weight, bias: bias, rectifies: rectifies,
                                                         geometry: g)
            return (y, Saved(transformedKernels: kernels))
        case .strideTwo(let g4):
            let (y, kernels) = PolyphaseWinograd.forward(input: input, weight: StrideTwo.padded(weight), bias: bias,
                                                         rectifies: rectifies, geometry: g4)
            return (y, Saved(transformedKernels: kernels))
        case .winograd:
            return (Winograd.forward(input: input, weight: weight, bias: bias, rectifies: rectifies, geometry: g), Saved())
        case .im2col:
            break
        }
        let (pixels, imageSize) = (g.outputPixels, g.channels * g.inputPixels)
        let (size, workspace, _) = im2colScratch(g, batch: batch, outChannels: outChannels, computesWeight: false)
        let keep = keepColumns && !g.isPointwise
        var output = Tensor(uninitializedShape: [batch, outChannels, g.outputHeight, g.outputWidth])
        var kept = keep ? Tensor(uninitializedShape: [batch, g.patchSize, pixels]) : nil
        let store = kept?.mutablePointer
        let x = input.pointer
        let w = weight.pointer
        let y = output.mutablePointer
        let b = bias?.pointer
        forEachGroup(batch: batch, size: size, sharing: .claimed) { worker, images in
            let patches: UnsafePointer<Float>
            if g.isPointwise && images.count == 1 {
                patches = x + images.lowerBound * imageSize
            } else {
                let columns = store.map { $0 + images.lowerBound * g.patchSize * pixels } ?? workspace.first(worker)
                unfold(x, images: images, geometry: g, into: columns)
                patches = UnsafePointer(columns)
            }
            multiply(w, rows: outChannels, depth: g.patchSize, patches, images: images, pixels: pixels,
                     into: y, workspace: workspace.second(worker), bias: b, rectifies: rectifies)
        }
        return (output, Saved(columns: kept))
    }

    /// The gradients of ``forward(input:weight:bias:geometry:keepColumns:)`` with respect to its
    /// input, `dx = col2im(Wᵀ × dy)`, and its weight, `dW = Σ_n dy_n × columns(x_n)ᵀ`.
    ///
    /// - Parameters:
    ///   - outputGradient: `[N, O, outputHeight, outputWidth]`.
    ///   - input: `[N, C, H, W]`; needed only for the weight gradient without kept columns.
    ///   - weight: `[O, C, kh, kw]`.
    ///   - saved: What the forward pass kept: its patch matrices or its transformed kernels, if any.
    ///   - computesInput: Whether to compute `dx`.
    ///   - computesWeight: Whether to compute `dW`.
    static func backward(
        outputGradient: Tensor, input: Tensor?, weight: Tensor, geometry g: ConvolutionGeometry,
        saved: Saved = Saved(), computesInput: Bool, computesWeight: Bool
    ) -> (input: Tensor?, weight: Tensor?) {
        let kept = saved.columns
        precondition(!computesWeight || input != nil || kept != nil, "The weight gradient needs the input or its patches.")
        // Patches were kept only by the im2col form.
        switch kept == nil ? form(g, outputChannels: weight.shape[0], batch: outputGradient.shape[0]) : .im2col {
        case .wholeImage:
            return WholeImage.backward(outputGradient: outputGradient, input: input, weight: weight,
                                       cut: saved.transformedKernels, geometry: g,
                                       computesInput: computesInput, computesWeight: computesWeight)
        case .polyphase:
            return PolyphaseWinograd.backward(outputGradient: outputGradient, input: input, weight: weight,
                                              kernels: saved.transformedKernels, geometry: g,
                                              computesInput: computesInput, computesWeight: computesWeight)
        case .strideTwo(let g4):
            let gradients = PolyphaseWinograd.backward(outputGradient: outputGradient, input: input,
                                                       weight: StrideTwo.padded(weight), kernels: saved.transformedKernels,
                                                       geometry: g4, computesInput: computesInput,
                                                       computesWeight: computesWeight)
            return (gradients.input, gradients.weight.map(StrideTwo.cropped))
        case .winograd:
            let gradients = Winograd.backward(outputGradient: outputGradient, input: input, weight: weight, geometry: g,
                                              computesInput: computesInput, computesWeight: computesWeight)
            return (gradients.input, gradients.weight)
        case .im2col:
            break
        }
        let (batch, outChannels) = (outputGradient.shape[0], weight.shape[0])
        let (pixels, imageSize) = (g.outputPixels, g.channels * g.inputPixels)
        var (size, workspace, partials) = im2colScratch(g, batch: batch, outChannels: outChannels,
                                                          computesWeight: computesWeight)
        var dx = computesInput ? Tensor(uninitializedShape: [batch, g.channels, g.height, g.width]) : nil
        let dxPointer = dx?.mutablePointer
        let dy = outputGradient.pointer
        let x = input?.pointer
        let store = kept?.pointer
        let w = weight.pointer
        forEachGroup(batch: batch, size: size, sharing: partials == nil ? .claimed : .fixed) { worker, images in
            let width = images.count * pixels
            let gradient = gather(dy, images: images, channels: outChannels, pixels: pixels, workspace: workspace.second(worker))
            if let partials {
                let patches: UnsafePointer<Float>
                if let store {
                    patches = store + images.lowerBound * g.patchSize * pixels
                } else if g.isPointwise && images.count == 1 {
                    patches = x! + images.lowerBound * imageSize
                } else {
                    let columns = workspace.first(worker)
                    unfold(x!, images: images, geometry: g, into: columns)
                    patches = UnsafePointer(columns)
                }
                Kernels.gemm(transposeB: true, m: outChannels, n: g.patchSize, k: width,
                             a: gradient, lda: width, b: patches, ldb: width,
                             c: partials.sums(worker), ldc: g.patchSize, accumulates: true)
            }
            if let dxPointer {
                let destination = dxPointer + images.lowerBound * imageSize
                if g.isPointwise && images.count == 1 {
                    Kernels.gemm(transposeA: true, m: g.channels, n: pixels, k: outChannels,
                                     a: w, lda: g.channels, b: gradient, ldb: pixels, c: destination, ldc: pixels)
                } else {
                    let columns = workspace.first(worker)
                    Kernels.gemm(transposeA: true, m: g.patchSize, n: width, k: outChannels,
                                     a: w, lda: g.patchSize, b: gradient, ldb: width, c: columns, ldc: width)
                    Kernels.fill(destination, with: 0, count: images.count * imageSize)
                    for i in 0..<images.count {
                        Kernels.col2im(columns + i * pixels, rowStride: width, g, into: destination + i * imageSize,
                                       channels: 0..<g.channels)
                    }
                }
            }
        }
        return (dx, partials?.total(shape: weight.shape))
    }

    // MARK: - Implementation details

    /// Unfolds the images of a group side by side: `columns[patchSize, images.count · pixels]`.
    static func unfold(
        _ x: UnsafePointer<Float>, images: Range<Int>, geometry g: ConvolutionGeometry,
        into columns: UnsafeMutablePointer<Float>
    ) {
        let width = images.count * g.outputPixels
        for (i, n) in images.enumerated() {
            Kernels.im2col(x + n * g.channels * g.inputPixels, g, into: columns + i * g.outputPixels,
                           rowStride: width, channels: 0..<g.channels)
        }
    }

    /// A group's `[channels, images.count · pixels]` matrix from NCHW data: the images' own
    /// memory for a single image, else gathered into `workspace`.
    static func gather(
        _ source: UnsafePointer<Float>, images: Range<Int>, channels: Int, pixels: Int,
        workspace: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float> {
        let first = source + images.lowerBound * channels * pixels
        if images.count == 1 { return first }
        swapLeadingAxes(first, outer: images.count, inner: channels, block: pixels, into: workspace)
        return UnsafePointer(workspace)
    }

    /// `W[rows, depth] × patches[depth, images.count · pixels]` written in NCHW order into
    /// `output` (whose image 0 is the batch's first), plus `bias[row]` and then `max(0, ·)` if
    /// asked, in the same pass that puts the product in order.
    static func multiply(
        _ w: UnsafePointer<Float>, rows: Int, depth: Int, _ patches: UnsafePointer<Float>, images: Range<Int>,
        pixels: Int, into output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>,
        bias: UnsafePointer<Float>? = nil, rectifies: Bool = false
    ) {
        let width = images.count * pixels
        let destination = output + images.lowerBound * rows * pixels
        let product = images.count == 1 ? destination : workspace
        Kernels.gemm(m: rows, n: width, k: depth, a: w, lda: depth, b: patches, ldb: width, c: product, ldc: width)
        if images.count > 1 || bias != nil || rectifies {
            // Block (row, image) of the product to block (image, row) of the output.
            for row in 0..<rows {
                for image in 0..<images.count {
                    shift(UnsafePointer(product + (row * images.count + image) * pixels),
                          into: destination + (image * rows + row) * pixels, count: pixels,
                          by: bias?[row] ?? 0, rectifies: rectifies)
                }
            }
        }
    }

    /// What an im2col pass (forward or backward, of a convolution or a transposed one) works
    /// with: how many images form a group, each core's scratch matrices, and the weight
    /// gradient's per-core sums when it is asked for.
    static func im2colScratch(
        _ g: ConvolutionGeometry, batch: Int, outChannels: Int, computesWeight: Bool
    ) -> (groupSize: Int, workspace: Workspace, partials: Partials?) {
        let size = groupSize(g, batch: batch)
        return (size, Workspace(rows: max(g.patchSize, outChannels), columns: size * g.outputPixels),
                computesWeight ? Partials(count: outChannels * g.patchSize) : nil)
    }

    /// Per-core scratch matrices, three for each core (or `matrices`).
    struct Workspace {
        let storage: Tensor
        let size: Int
        let matrices: Int

        init(rows: Int, columns: Int, matrices: Int = 3) {
            size = rows * columns
            self.matrices = matrices
            storage = Tensor(uninitializedShape: [Parallel.coreCount, matrices, size])
        }

        func first(_ worker: Int) -> UnsafeMutablePointer<Float> { matrix(worker, 0) }
        func second(_ worker: Int) -> UnsafeMutablePointer<Float> { matrix(worker, 1) }
        func third(_ worker: Int) -> UnsafeMutablePointer<Float> { matrix(worker, 2) }

        /// Core `worker`'s matrix `index`.
        func matrix(_ worker: Int, _ index: Int) -> UnsafeMutablePointer<Float> {
            precondition(index < matrices, "The workspace has \(matrices) matrices per core.")
            return UnsafeMutablePointer(mutating: storage.pointer) + (matrices * worker + index) * size
        }
    }

    /// Reorders `[outer, inner, block]` into `[inner, outer, block]`, moving whole blocks.
    static func swapLeadingAxes(
        _ source: UnsafePointer<Float>, outer: Int, inner: Int, block: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        for a in 0..<outer {
            for b in 0..<inner {
                (destination + (b * outer + a) * block).update(from: source + (a * inner + b) * block, count: block)
            }
        }
    }

    /// `y[n, c, :] += bias[c]` (no bias: zero), then `max(0, ·)` if `rectifies`.
    static func addChannelBias(
        _ bias: UnsafePointer<Float>?, to y: UnsafeMutablePointer<Float>,
        batch: Int, channels: Int, pixels: Int, rectifies: Bool = false
    ) {
        // One row per image and channel, the rows split across the cores.
        Parallel.forEach(batch * channels, grain: max(1, Tensor.elementwiseGrain / max(1, pixels))) { rows in
            for row in rows {
                let values = y + row * pixels
                shift(UnsafePointer(values), into: values, count: pixels, by: bias?[row % channels] ?? 0,
                      rectifies: rectifies)
            }
        }
    }

    /// `target[i] = source[i] + shift`, then `max(0, ·)` if `rectifies` (a bias and a ReLU).
    @inline(__always)
    private static func shift(
        _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int, by shift: Float,
        rectifies: Bool
    ) {
        let (shifts, zero) = (Vector(repeating: shift), Vector.zero)
        if rectifies {
            Kernels.map(source, target, count: count,
                        vector: { let z = $0 + shifts; return z.replacing(with: zero, where: z .< zero) },
                        scalar: { max($0 + shift, 0) })
        } else {
            Kernels.map(source, target, count: count, vector: { $0 + shifts }, scalar: { $0 + shift })
        }
    }
}
