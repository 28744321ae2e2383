/// 4x4 convolutions of stride 2 and padding 1 (the MNIST VAE's encoder, and its decoder's
/// transposed convolutions) by Winograd's F(2x2, 2x2) on the input's four polyphase
/// components.
///
/// Along one axis, output `i` of such a convolution reads input pixels `2i - 1 … 2i + 2`:
/// the odd pixels `2i - 1, 2i + 1` with taps 0 and 2 of the kernel, and the even pixels
/// `2i, 2i + 2` with taps 1 and 3. So in 2-D the convolution is the sum of four stride-1
/// convolutions with 2x2 kernels, one for each phase (row parity, column parity) of the input,
/// and each of them is a minimal filtering F(2x2, 2x2): an output tile `Y = Aᵀ [U ⊙ V] A`, with
///
///     Bᵀ = [[1, -1, 0], [0, 1, 0], [0, -1, 1]],  G = [[1, 0], [1, 1], [0, 1]],  Aᵀ = [[1, 1, 0], [0, 1, 1]].
///
/// `U = G k Gᵀ` is the 3x3 transform of a phase's 2x2 kernel, `V = Bᵀ d B` that of its 3x3 input
/// patch. The four phases share the output transform, so they join the channels of a single
/// product: for every one of the 9 positions `ξ`, `M[ξ] = U[ξ] (O x 4C) × V[ξ] (4C x tiles)`,
/// 36 multiply-adds per output tile and channel pair against im2col's 64, 1.78 times fewer.
/// A 2x2 output tile reads the 6x6 input patch at rows and columns `4t - 1 … 4t + 4`, and its
/// 4 phases x 9 positions are 36 values per channel: the transformed input is no larger than
/// the input (im2col's patches are 4 times larger). The transforms only add and subtract.
///
/// Two passes, with the large side `[C, H, W]` and the small side `[O, H/2, W/2]` of the
/// convolution, each transforming its source once per group of images for all of its uses:
/// - ``down(_:kernels:partner:batch:largeChannels:smallChannels:height:width:bias:rectifies:)``:
///   the convolution (and a transposed convolution's input gradient); with a small-side partner,
///   also the kernel gradient (a transposed convolution's).
/// - ``up(_:kernels:partner:batch:largeChannels:smallChannels:height:width:)``: the adjoint,
///   `Tᵀ [Uᵀ (A ȳ Aᵀ)]` (the convolution's input gradient, and a transposed convolution); with a
///   large-side partner, also the kernel gradient, `dU[ξ] = Σ_tiles (A ȳ Aᵀ)[ξ] V[ξ]ᵀ`, then the
///   adjoint of the kernel transform.
///
/// As in ``Winograd``, the batch goes in groups of images whose transforms stay in cache, each
/// core taking its share of the groups.
enum PolyphaseWinograd {
    /// Layers with fewer channels on either side (a grey-scale stem, an image output) keep
    /// im2col, as in ``Winograd``.
    static var minimumChannels: Int { Winograd.minimumChannels }

    /// Whether this convolution runs here: 4x4, stride 2, padding 1, height and width multiples
    /// of 4 (so that the output's are even) and at least 8 (on a 4x4 input, a single tile per
    /// image, im2col measured faster), at least ``minimumChannels`` on both sides.
    static func applies(_ g: ConvolutionGeometry, outputChannels: Int) -> Bool {
        g.kernelHeight == 4 && g.kernelWidth == 4 && g.stride == 2 && g.padding == 1
            && g.height % 4 == 0 && g.width % 4 == 0 && g.height >= 8 && g.width >= 8
            && g.channels >= minimumChannels && outputChannels >= minimumChannels
    }

    /// `y[n, o] = Σ_c w[o, c] ⋆ x[n, c] (+ bias[o])`, then `max(0, y)` if `rectifies`: `input`
    /// `[N, C, H, W]`, `weight` `[O, C, 4, 4]`, `bias` `[O]`.
    static func forward(
        input: Tensor, weight: Tensor, bias: Tensor? = nil, rectifies: Bool = false, geometry g: ConvolutionGeometry
    ) -> Tensor {
        let outChannels = weight.shape[0]
        let u = transformedKernels(weight.pointer, smallChannels: outChannels, largeChannels: g.channels)
        return withExtendedLifetime(bias) {
            down(input.pointer, kernels: u, partner: nil, batch: input.shape[0], largeChannels: g.channels,
                 smallChannels: outChannels, height: g.height, width: g.width, bias: bias?.pointer,
                 rectifies: rectifies).output!
        }
    }

    /// The gradients of ``forward(input:weight:bias:rectifies:geometry:)`` with respect to its
    /// input and its weight, the output gradient transformed once for both; also a transposed
    /// convolution (the input gradient alone).
    static func backward(
        outputGradient: Tensor, input: Tensor?, weight: Tensor, geometry g: ConvolutionGeometry,
        computesInput: Bool, computesWeight: Bool
    ) -> (input: Tensor?, weight: Tensor?) {
        let outChannels = weight.shape[0]
        let partner = computesWeight ? input : nil
        guard computesInput || partner != nil else { return (nil, nil) }
        let u = computesInput
            ? transformedKernels(weight.pointer, smallChannels: outChannels, largeChannels: g.channels) : nil
        let (dx, dw) = withExtendedLifetime(partner) {
            up(outputGradient.pointer, kernels: u, partner: partner?.pointer, batch: outputGradient.shape[0],
               largeChannels: g.channels, smallChannels: outChannels, height: g.height, width: g.width)
        }
        return (dx, dw)
    }

    /// The gradients of a transposed convolution from `input` `[N, O, H/2, W/2]` to `[N, C, H, W]`
    /// with `weight` `[O, C, 4, 4]`: with respect to its input, the convolution of the output
    /// gradient; with respect to its weight, the same sum as the convolution's, sides swapped. The
    /// output gradient is transformed once for both.
    static func transposedBackward(
        outputGradient: Tensor, input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry,
        computesInput: Bool, computesWeight: Bool
    ) -> (input: Tensor?, weight: Tensor?) {
        guard computesInput || computesWeight else { return (nil, nil) }
        let u = computesInput
            ? transformedKernels(weight.pointer, smallChannels: weight.shape[0], largeChannels: g.channels) : nil
        let (dx, dw) = down(outputGradient.pointer, kernels: u, partner: computesWeight ? input.pointer : nil,
                            batch: input.shape[0], largeChannels: g.channels, smallChannels: weight.shape[0],
                            height: g.height, width: g.width)
        return (dx, dw)
    }

    // MARK: - The two passes

    /// One pass from the large side `large` `[N, C, H, W]` towards the small one, a group of
    /// images at a time, the large side transformed once for both of its uses: with transformed
    /// kernels `u` `[9, O, 4C']`, the convolution `[N, O, H/2, W/2]` (plus `bias[o]`, then
    /// `max(0, ·)` if asked); with a small-side `partner` `[N, O, H/2, W/2]`, the kernel gradient
    /// `Kᵀ (Σ_tiles (A ȳ Aᵀ)[ξ] ⊙ V[ξ])` with `ȳ` the partner (a transposed convolution's).
    static func down(
        _ large: UnsafePointer<Float>, kernels u: Tensor?, partner: UnsafePointer<Float>?, batch: Int,
        largeChannels: Int, smallChannels: Int, height: Int, width: Int,
        bias: UnsafePointer<Float>? = nil, rectifies: Bool = false
    ) -> (output: Tensor?, kernelGradient: Tensor?) {
        let shape = PhaseTiles(height: height, width: width)
        var output = u.map { _ in Tensor(uninitializedShape: [batch, smallChannels, height / 2, width / 2]) }
        let y = output?.mutablePointer
        let sums = partner.map { _ in KernelGradientSums(smallChannels: smallChannels, largeChannels: largeChannels) }
        let depth = 4 * PhaseTiles.paddedChannels(largeChannels)
        forEachGroup(batch: batch, largeChannels: largeChannels, smallChannels: smallChannels, shape: shape) { worker, group in
            let (images, tiles, v, m) = (group.images, group.tiles, group.first, group.second)
            for (i, n) in images.enumerated() {
                shape.transformInput(large + n * largeChannels * shape.pixels, channels: largeChannels, into: v.data,
                                     firstTile: i * shape.tilesPerImage, layout: v.layout, scratch: group.scratch)
            }
            if let u, let y {
                for xi in 0..<9 {
                    // M[ξ]ᵀ = V[ξ] U[ξ]ᵀ: tiles x O.
                    Kernels.gemm(transposeB: true, m: tiles, n: smallChannels, k: depth,
                                 a: v.position(xi), lda: v.layout.rowStride, b: u.pointer + xi * smallChannels * depth,
                                 ldb: depth, c: m.position(xi), ldc: m.layout.rowStride)
                }
                for (i, n) in images.enumerated() {
                    shape.transformOutput(m.data, channels: smallChannels, firstTile: i * shape.tilesPerImage,
                                          layout: m.layout, into: y + n * smallChannels * shape.pixels / 4, bias: bias,
                                          rectifies: rectifies, scratch: group.scratch)
                }
            }
            if let partner, let sums {
                // The small side's buffer is free again: the partner's transform goes there.
                for (i, n) in images.enumerated() {
                    shape.transformGradient(partner + n * smallChannels * shape.pixels / 4, channels: smallChannels,
                                            into: m.data, firstTile: i * shape.tilesPerImage, layout: m.layout,
                                            scratch: group.scratch)
                }
                sums.add(worker: worker, transformedGradient: m, transformedInput: v, tiles: tiles)
            }
        }
        return (output, sums?.kernels())
    }

    /// One pass from the small side `small` `[N, O, H/2, W/2]` towards the large one, the small
    /// side transformed once for both of its uses: with transformed kernels `u` `[9, O, 4C']`,
    /// the adjoint of the convolution, `Tᵀ [Uᵀ (A ȳ Aᵀ)]`, `[N, C, H, W]` (the convolution's input
    /// gradient, and a transposed convolution); with a large-side `partner` `[N, C, H, W]`, the
    /// kernel gradient `Kᵀ (Σ_tiles (A ȳ Aᵀ)[ξ] ⊙ V[ξ])` with `V` the partner's transform.
    static func up(
        _ small: UnsafePointer<Float>, kernels u: Tensor?, partner: UnsafePointer<Float>?, batch: Int,
        largeChannels: Int, smallChannels: Int, height: Int, width: Int
    ) -> (output: Tensor?, kernelGradient: Tensor?) {
        let shape = PhaseTiles(height: height, width: width)
        var output = u.map { _ in Tensor(uninitializedShape: [batch, largeChannels, height, width]) }
        let dx = output?.mutablePointer
        let sums = partner.map { _ in KernelGradientSums(smallChannels: smallChannels, largeChannels: largeChannels) }
        let depth = 4 * PhaseTiles.paddedChannels(largeChannels)
        forEachGroup(batch: batch, largeChannels: largeChannels, smallChannels: smallChannels, shape: shape) { worker, group in
            let (images, tiles, v, d) = (group.images, group.tiles, group.first, group.second)
            for (i, n) in images.enumerated() {
                shape.transformGradient(small + n * smallChannels * shape.pixels / 4, channels: smallChannels, into: d.data,
                                        firstTile: i * shape.tilesPerImage, layout: d.layout, scratch: group.scratch)
            }
            if let u, let dx {
                for xi in 0..<9 {
                    // N[ξ]ᵀ = D[ξ]ᵀ U[ξ]: tiles x 4C'.
                    Kernels.gemm(m: tiles, n: depth, k: smallChannels,
                                 a: d.position(xi), lda: d.layout.rowStride, b: u.pointer + xi * smallChannels * depth,
                                 ldb: depth, c: v.position(xi), ldc: v.layout.rowStride)
                }
                for (i, n) in images.enumerated() {
                    shape.transformInputAdjoint(v.data, channels: largeChannels, firstTile: i * shape.tilesPerImage,
                                                layout: v.layout, into: dx + n * largeChannels * shape.pixels,
                                                scratch: group.scratch)
                }
            }
            if let partner, let sums {
                // The large side's buffer is free again: the partner's transform goes there.
                for (i, n) in images.enumerated() {
                    shape.transformInput(partner + n * largeChannels * shape.pixels, channels: largeChannels, into: v.data,
                                         firstTile: i * shape.tilesPerImage, layout: v.layout, scratch: group.scratch)
                }
                sums.add(worker: worker, transformedGradient: d, transformedInput: v, tiles: tiles)
            }
        }
        return (output, sums?.kernels())
    }

    /// The per-core partial sums `dU[ξ] = Σ_tiles D[ξ]ᵀ V[ξ]` of a kernel gradient, `[9, O, 4C']`
    /// for each core.
    struct KernelGradientSums {
        let smallChannels: Int
        let largeChannels: Int
        let partials: Tensor
        let sums: UnsafeMutablePointer<Float>
        var depth: Int { 4 * PhaseTiles.paddedChannels(largeChannels) }
        var size: Int { 9 * smallChannels * depth }

        init(smallChannels: Int, largeChannels: Int) {
            self.smallChannels = smallChannels
            self.largeChannels = largeChannels
            var partials = Convolution.zeroedPartials(count: 9 * smallChannels * 4 * PhaseTiles.paddedChannels(largeChannels))
            sums = partials.mutablePointer
            self.partials = partials
        }

        /// Adds one group's products to the core's partial sums.
        func add(worker: Int, transformedGradient d: ChannelsLast.Transformed, transformedInput v: ChannelsLast.Transformed, tiles: Int) {
            for xi in 0..<9 {
                Kernels.gemm(transposeA: true, m: smallChannels, n: depth, k: tiles,
                             a: d.position(xi), lda: d.layout.rowStride, b: v.position(xi), ldb: v.layout.rowStride,
                             beta: 1, c: sums + worker * size + xi * smallChannels * depth, ldc: depth)
            }
        }

        /// The kernel gradient `[O, C, 4, 4]`: the partial sums added up, then `Kᵀ`.
        func kernels() -> Tensor {
            let du = Convolution.sumPartials(partials, count: size, shape: [9, smallChannels, depth])
            return kernelsFromTransforms(du.pointer, smallChannels: smallChannels, largeChannels: largeChannels)
        }
    }

    // MARK: - Groups

    /// ``ChannelsLast/forEachGroup(batch:tilesPerImage:positions:rowLengths:scratchFloats:_:)`` with
    /// the large side's `[9, tiles, 4C']` matrices first (`C'` the channels padded to whole
    /// vectors) and the small side's `[9, tiles, O']` second.
    static func forEachGroup(
        batch: Int, largeChannels: Int, smallChannels: Int, shape: PhaseTiles,
        _ body: (_ worker: Int, _ group: ChannelsLast.Group) -> Void
    ) {
        ChannelsLast.forEachGroup(
            batch: batch, tilesPerImage: shape.tilesPerImage, positions: 9,
            rowLengths: (4 * PhaseTiles.paddedChannels(largeChannels), PhaseTiles.paddedChannels(smallChannels)),
            scratchFloats: max(shape.largeScratchSize(channels: largeChannels), shape.smallScratchSize(channels: smallChannels)),
            body)
    }

    // MARK: - Kernel transforms

    /// `U[ξ, o, p·C' + c]`, `[9, O, 4C']` (`C'` the channels padded to whole vectors, the padding
    /// zero): for every kernel `w[o, c]` `[4, 4]` and phase `p`, `G k Gᵀ`
    /// of the phase's 2x2 kernel `k`. Along each axis, `K(w) = (w0, w0 + w2, w2, w1, w1 + w3, w3)`:
    /// the odd phase (taps 0 and 2), then the even one (taps 1 and 3).
    static func transformedKernels(_ w: UnsafePointer<Float>, smallChannels: Int, largeChannels: Int) -> Tensor {
        typealias Row = SIMD8<Float>
        let padded = PhaseTiles.paddedChannels(largeChannels)
        var result = Tensor(uninitializedShape: [9, smallChannels, 4 * padded])
        let u = result.mutablePointer
        @inline(__always) func along(_ g: UnsafePointer<Float>) -> Row {
            Row(g[0], g[0] + g[2], g[2], g[1], g[1] + g[3], g[3], 0, 0)
        }
        // Row `o` of all nine matrices is made in a buffer of the core's and copied out in whole
        // rows (the matrices lie a power of two apart: scattered stores would fall in the same
        // cache sets); the rows split across the cores.
        let rowLength = 4 * padded
        Parallel.forEach(smallChannels, grain: 16) { rows in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 9 * rowLength)
            defer { buffer.deallocate() }
            buffer.initialize(repeating: 0, count: 9 * rowLength)
            for o in rows {
                for c in 0..<largeChannels {
                    let g = w + (o * largeChannels + c) * 16
                    // K along each kernel row, then down the rows.
                    let (r0, r1, r2, r3) = (along(g), along(g + 4), along(g + 8), along(g + 12))
                    @inline(__always) func put(_ a: Int, _ row: Row) {
                        for b in 0..<6 {
                            buffer[PhaseTiles.index(a, b, channel: c, channels: padded, rows: 1, row: 0)] = row[b]
                        }
                    }
                    put(0, r0); put(1, r0 + r2); put(2, r2); put(3, r1); put(4, r1 + r3); put(5, r3)
                }
                for xi in 0..<9 {
                    (u + (xi * smallChannels + o) * rowLength).update(from: buffer + xi * rowLength, count: rowLength)
                }
            }
        }
        return result
    }

    /// The adjoint of ``transformedKernels(_:smallChannels:largeChannels:)``: `[9, O, 4C']` to
    /// `[O, C, 4, 4]`. Along each axis, `Kᵀ(u) = (u0 + u1, u3 + u4, u1 + u2, u4 + u5)`.
    static func kernelsFromTransforms(_ du: UnsafePointer<Float>, smallChannels: Int, largeChannels: Int) -> Tensor {
        typealias Row = SIMD8<Float>
        let padded = PhaseTiles.paddedChannels(largeChannels)
        var result = Tensor(uninitializedShape: [smallChannels, largeChannels, 4, 4])
        let dw = result.mutablePointer
        // Row `o` of all nine matrices is first copied into a buffer of the core's, in whole rows;
        // the rows split across the cores.
        let rowLength = 4 * padded
        Parallel.forEach(smallChannels, grain: 16) { rows in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 9 * rowLength)
            defer { buffer.deallocate() }
            for o in rows {
                for xi in 0..<9 {
                    (buffer + xi * rowLength).update(from: du + (xi * smallChannels + o) * rowLength, count: rowLength)
                }
                for c in 0..<largeChannels {
                    @inline(__always) func row(_ a: Int) -> Row {
                        var r = Row()
                        for b in 0..<6 {
                            r[b] = buffer[PhaseTiles.index(a, b, channel: c, channels: padded, rows: 1, row: 0)]
                        }
                        return r
                    }
                    let (u0, u1, u2, u3, u4, u5) = (row(0), row(1), row(2), row(3), row(4), row(5))
                    // Kᵀ down the rows, then along each row.
                    let g = dw + (o * largeChannels + c) * 16
                    @inline(__always) func put(_ r: Int, _ t: Row) {
                        g[4 * r] = t[0] + t[1]
                        g[4 * r + 1] = t[3] + t[4]
                        g[4 * r + 2] = t[1] + t[2]
                        g[4 * r + 3] = t[4] + t[5]
                    }
                    put(0, u0 + u1); put(1, u3 + u4); put(2, u1 + u2); put(3, u4 + u5)
                }
            }
        }
        return result
    }
}
