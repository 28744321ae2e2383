/// 2-D convolution over NCHW batches as im2col + `sgemm`, in the three directions that
/// training needs: the output, the input gradient and the weight gradient.
///
/// A convolution with weight `[O, C, kh, kw]` is the matrix product `W[O, C·kh·kw] ×
/// columns[C·kh·kw, pixels]`, where `columns` is the image unfolded into patches (im2col).
/// The batch is cut into groups of a few images; each core takes its share of the groups and,
/// for each group, unfolds the images side by side into a patch matrix small enough to stay
/// in its cache, then multiplies with single-threaded `sgemm` (see ``Parallel`` for the
/// thread policy). Unfolding in cache costs a fraction of what a whole-batch patch matrix
/// costs in memory traffic, and the two cores never wait on each other.
///
/// A transposed convolution is the adjoint of a convolution, so the same three functions
/// serve it with their roles exchanged (see `Autodiff/Ops+Convolution.swift`).
enum Convolution {
    /// The patch matrix of one group aims at this many bytes (a share of the L2/L3 cache).
    static let groupBytes = 2_500_000
    /// A group's product aims at this many columns at least, so `sgemm` runs near its peak.
    static let groupColumns = 512

    /// How many images form one group for this geometry.
    static func groupSize(_ g: ConvolutionGeometry, batch: Int) -> Int {
        let imageBytes = max(1, g.patchSize * g.outputPixels * MemoryLayout<Float>.stride)
        let byCache = max(1, groupBytes / imageBytes)
        let byWidth = max(1, (groupColumns + g.outputPixels - 1) / g.outputPixels)
        // Keep at least one group per core when the batch allows it.
        let byCores = max(1, batch / Parallel.coreCount)
        return max(1, min(byCores, min(byCache, max(byWidth, 2))))
    }

    /// Splits `0..<batch` into groups of `size` images and hands each core a contiguous share.
    static func forEachGroup(batch: Int, size: Int, _ body: (_ worker: Int, _ images: Range<Int>) -> Void) {
        let groups = (batch + size - 1) / size
        let workers = max(1, min(Parallel.coreCount, groups))
        Parallel.forEach(workers, grain: 1) { range in
            for worker in range {
                let first = groups * worker / workers
                let last = groups * (worker + 1) / workers
                for group in first..<last {
                    body(worker, (group * size)..<min(batch, (group + 1) * size))
                }
            }
        }
    }

    /// `y[n, o] = Σ_c w[o, c] ⋆ x[n, c] (+ bias[o])`.
    ///
    /// - Parameters:
    ///   - input: `[N, C, H, W]`, described by `g` without the batch.
    ///   - weight: `[O, C, kh, kw]`.
    ///   - bias: `[O]`, or `nil`.
    /// - Returns: `[N, O, outputHeight, outputWidth]`.
    static func forward(input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry)
        -> Tensor
    {
        let batch = input.shape[0]
        let outChannels = weight.shape[0]
        let pixels = g.outputPixels
        let imageSize = g.channels * g.inputPixels
        let size = groupSize(g, batch: batch)
        var output = Tensor(uninitializedShape: [batch, outChannels, g.outputHeight, g.outputWidth])
        let workspace = Workspace(rows: max(g.patchSize, outChannels), columns: size * pixels)
        let x = input.pointer
        let w = weight.pointer
        let y = output.mutablePointer
        let b = bias?.pointer
        forEachGroup(batch: batch, size: size) { worker, images in
            let width = images.count * pixels
            let columns = workspace.columns(worker)
            let patches: UnsafePointer<Float>
            if g.isPointwise && images.count == 1 {
                patches = x + images.lowerBound * imageSize
            } else {
                for (i, n) in images.enumerated() {
                    Kernels.im2col(x + n * imageSize, g, into: columns + i * pixels, rowStride: width,
                                   channels: 0..<g.channels)
                }
                patches = UnsafePointer(columns)
            }
            let destination = y + images.lowerBound * outChannels * pixels
            if images.count == 1 {
                Kernels.gemm(m: outChannels, n: pixels, k: g.patchSize, a: w, lda: g.patchSize,
                             b: patches, ldb: pixels, c: destination, ldc: pixels)
            } else {
                let product = workspace.product(worker)
                Kernels.gemm(m: outChannels, n: width, k: g.patchSize, a: w, lda: g.patchSize,
                             b: patches, ldb: width, c: product, ldc: width)
                swapLeadingAxes(product, outer: outChannels, inner: images.count, block: pixels, into: destination)
            }
            if let b {
                addChannelBias(b, to: destination, batch: images.count, channels: outChannels, pixels: pixels)
            }
        }
        return output
    }

    /// The gradient of ``forward(input:weight:bias:geometry:)`` with respect to its input:
    /// `dx = col2im(Wᵀ × dy)`.
    ///
    /// - Parameters:
    ///   - outputGradient: `[N, O, outputHeight, outputWidth]`.
    ///   - weight: `[O, C, kh, kw]`.
    /// - Returns: `[N, C, H, W]`.
    static func inputGradient(outputGradient: Tensor, weight: Tensor, geometry g: ConvolutionGeometry)
        -> Tensor
    {
        let batch = outputGradient.shape[0]
        let outChannels = weight.shape[0]
        let pixels = g.outputPixels
        let imageSize = g.channels * g.inputPixels
        let size = groupSize(g, batch: batch)
        var dx = Tensor(uninitializedShape: [batch, g.channels, g.height, g.width])
        let workspace = Workspace(rows: max(g.patchSize, outChannels), columns: size * pixels)
        let dy = outputGradient.pointer
        let w = weight.pointer
        let out = dx.mutablePointer
        forEachGroup(batch: batch, size: size) { worker, images in
            let width = images.count * pixels
            let source: UnsafePointer<Float>
            if images.count == 1 {
                source = dy + images.lowerBound * outChannels * pixels
            } else {
                let gathered = workspace.product(worker)
                swapLeadingAxes(dy + images.lowerBound * outChannels * pixels, outer: images.count,
                                inner: outChannels, block: pixels, into: gathered)
                source = UnsafePointer(gathered)
            }
            let destination = out + images.lowerBound * imageSize
            if g.isPointwise && images.count == 1 {
                Kernels.gemm(transposeA: true, m: g.channels, n: pixels, k: outChannels,
                             a: w, lda: g.channels, b: source, ldb: pixels, c: destination, ldc: pixels)
                return
            }
            let columns = workspace.columns(worker)
            Kernels.gemm(transposeA: true, m: g.patchSize, n: width, k: outChannels,
                         a: w, lda: g.patchSize, b: source, ldb: width, c: columns, ldc: width)
            Kernels.fill(destination, with: 0, count: images.count * imageSize)
            for i in 0..<images.count {
                Kernels.col2im(columns + i * pixels, rowStride: width, g, into: destination + i * imageSize,
                               channels: 0..<g.channels)
            }
        }
        return dx
    }

    /// The gradient of ``forward(input:weight:bias:geometry:)`` with respect to its weight:
    /// `dW = Σ_n dy_n × columns(x_n)ᵀ`.
    ///
    /// - Parameters:
    ///   - outputGradient: `[N, O, outputHeight, outputWidth]`.
    ///   - input: `[N, C, H, W]`.
    /// - Returns: `[O, C, kh, kw]`.
    static func weightGradient(outputGradient: Tensor, input: Tensor, geometry g: ConvolutionGeometry)
        -> Tensor
    {
        let batch = input.shape[0]
        let outChannels = outputGradient.shape[1]
        let pixels = g.outputPixels
        let imageSize = g.channels * g.inputPixels
        let size = groupSize(g, batch: batch)
        let workspace = Workspace(rows: max(g.patchSize, outChannels), columns: size * pixels)
        // One partial sum per core, added together at the end.
        let weightSize = outChannels * g.patchSize
        var partials = Tensor(shape: [Parallel.coreCount, weightSize])
        let sums = partials.mutablePointer
        let x = input.pointer
        let dy = outputGradient.pointer
        forEachGroup(batch: batch, size: size) { worker, images in
            let width = images.count * pixels
            let gradient: UnsafePointer<Float>
            if images.count == 1 {
                gradient = dy + images.lowerBound * outChannels * pixels
            } else {
                let gathered = workspace.product(worker)
                swapLeadingAxes(dy + images.lowerBound * outChannels * pixels, outer: images.count,
                                inner: outChannels, block: pixels, into: gathered)
                gradient = UnsafePointer(gathered)
            }
            let patches: UnsafePointer<Float>
            if g.isPointwise && images.count == 1 {
                patches = x + images.lowerBound * imageSize
            } else {
                let columns = workspace.columns(worker)
                for (i, n) in images.enumerated() {
                    Kernels.im2col(x + n * imageSize, g, into: columns + i * pixels, rowStride: width,
                                   channels: 0..<g.channels)
                }
                patches = UnsafePointer(columns)
            }
            Kernels.gemm(transposeB: true, m: outChannels, n: g.patchSize, k: width,
                         a: gradient, lda: width, b: patches, ldb: width,
                         beta: 1, c: sums + worker * weightSize, ldc: g.patchSize)
        }
        var dw = Tensor(uninitializedShape: [outChannels, g.channels, g.kernelHeight, g.kernelWidth])
        let result = dw.mutablePointer
        result.update(from: sums, count: weightSize)
        for worker in 1..<Parallel.coreCount {
            Kernels.add(sums + worker * weightSize, into: result, count: weightSize)
        }
        return dw
    }

    // MARK: - Implementation details

    /// Per-core scratch matrices: a patch matrix and a product/gather matrix for each core.
    struct Workspace {
        let storage: Tensor
        let rows: Int
        let columnCount: Int

        init(rows: Int, columns: Int) {
            self.rows = rows
            self.columnCount = columns
            storage = Tensor(uninitializedShape: [Parallel.coreCount, 2, rows * columns])
        }

        /// The patch matrix of `worker`.
        func columns(_ worker: Int) -> UnsafeMutablePointer<Float> {
            UnsafeMutablePointer(mutating: storage.pointer) + (2 * worker) * rows * columnCount
        }

        /// The product or gather matrix of `worker`.
        func product(_ worker: Int) -> UnsafeMutablePointer<Float> {
            UnsafeMutablePointer(mutating: storage.pointer) + (2 * worker + 1) * rows * columnCount
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

    /// `y[n, c, :] += bias[c]`.
    static func addChannelBias(
        _ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>,
        batch: Int, channels: Int, pixels: Int
    ) {
        for n in 0..<batch {
            for c in 0..<channels {
                let b = bias[c]
                let row = y + (n * channels + c) * pixels
                Kernels.map(UnsafePointer(row), row, count: pixels,
                            vector: { $0 + Vector(repeating: b) }, scalar: { $0 + b })
            }
        }
    }
}
