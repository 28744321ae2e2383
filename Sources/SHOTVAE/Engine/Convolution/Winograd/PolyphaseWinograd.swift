/// 4x4 convolutions of stride 2 and padding 1 (the MNIST VAE's encoder, and its decoder's
/// transposed convolutions) by Winograd's F(4x4, 2x2) on the input's four polyphase
/// components.
///
/// Along one axis, output `i` of such a convolution reads input pixels `2i - 1 … 2i + 2`:
/// the odd pixels `2i - 1, 2i + 1` with taps 0 and 2 of the kernel, and the even pixels
/// `2i, 2i + 2` with taps 1 and 3. So in 2-D the convolution is the sum of four stride-1
/// convolutions with 2x2 kernels, one for each phase (row parity, column parity) of the input,
/// and each of them is a minimal filtering F(4x4, 2x2): an output tile `Y = Aᵀ [U ⊙ V] A`, with
/// `U = G k Gᵀ` the 5x5 transform of a phase's 2x2 kernel and `V = Bᵀ d B` that of its 5x5
/// input patch (the matrices are in ``PhaseTiles``). The four phases share the output
/// transform, so they join the channels of a single product: for every one of the 25 positions
/// `ξ`, `M[ξ] = U[ξ] (O x 4C) × V[ξ] (4C x tiles)`, 100 multiply-adds per 4x4 output tile and
/// channel pair against im2col's 256, 2.56 times fewer. A tile reads the 10x10 input patch at
/// rows and columns `8t - 1 … 8t + 8`, and its 4 phases x 25 positions are 100 values per
/// channel: the transformed input is 1.56 times the input (im2col's patches are 4 times). The
/// largest coefficients are 8 and ⅙, so the rounding stays within a few units in the sixth
/// significant digit.
///
/// Two passes, with the large side `[C, H, W]` and the small side `[O, H/2, W/2]` of the
/// convolution, each transforming its source once per group of images for all of its uses:
/// - ``down(_:panels:partner:batch:largeChannels:smallChannels:height:width:bias:rectifies:inputActivation:produce:)``:
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

    /// Whether this convolution runs here: 4x4, stride 2, padding 1, even height and width (so
    /// that the small side is exactly half) of at least 8, at least ``minimumChannels`` on both
    /// sides, and at least ``minimumTiles`` tiles in the batch.
    static func applies(_ g: ConvolutionGeometry, outputChannels: Int, batch: Int) -> Bool {
        g.kernelHeight == 4 && g.kernelWidth == 4 && g.stride == 2 && g.padding == 1
            && g.height % 2 == 0 && g.width % 2 == 0 && g.height >= 8 && g.width >= 8
            && g.channels >= minimumChannels && outputChannels >= minimumChannels
            && batch * PhaseTiles(height: g.height, width: g.width).tilesPerImage >= minimumTiles
    }

    /// Below this many tiles in the batch, transforming every kernel costs more than the fewer
    /// multiplications save, and im2col is faster. On the MNIST VAE's layers, the forward and
    /// backward passes took 0.28 ms by im2col against 0.87 ms here for 4 images with 64 and 64
    /// channels at 8x8 (4 tiles), but 1.17 ms against 0.92 ms for 16 images with 32 and 64
    /// channels at 16x16 (64 tiles).
    static let minimumTiles = 32

    /// `y[n, o] = Σ_c w[o, c] ⋆ x[n, c] (+ bias[o])`, then `max(0, y)` if `rectifies`: `input`
    /// `[N, C, H, W]`, `weight` `[O, C, 4, 4]`, `bias` `[O]`; and the transformed kernels, which
    /// the input gradient multiplies by again. With an `inputActivation`, `x` is the input's
    /// activation, applied as the input is transformed.
    static func forward(
        input: Tensor, weight: Tensor, bias: Tensor? = nil, rectifies: Bool = false,
        inputActivation: ChannelsLast.Activation? = nil, geometry g: ConvolutionGeometry
    ) -> (output: Tensor, kernels: Tensor) {
        let outChannels = weight.shape[0]
        let u = transformedKernels(weight.pointer, smallChannels: outChannels, largeChannels: g.channels)
        let y = withExtendedLifetime(bias) {
            down(input.pointer, panels: panels(u, smallChannels: outChannels, largeChannels: g.channels), partner: nil,
                 batch: input.shape[0], largeChannels: g.channels,
                 smallChannels: outChannels, height: g.height, width: g.width, bias: bias?.pointer,
                 rectifies: rectifies, inputActivation: inputActivation).output!
        }
        return (y, u)
    }

    /// ``forward(input:weight:bias:rectifies:inputActivation:geometry:)`` of an input that is
    /// never whole: `produce` makes each group's images when their turn comes (see
    /// ``down(_:panels:partner:batch:largeChannels:smallChannels:height:width:bias:rectifies:inputActivation:produce:)``).
    static func forward(
        batch: Int, producedBy produce: (_ worker: Int, _ images: Range<Int>, _ use: (UnsafePointer<Float>) -> Void) -> Void,
        weight: Tensor, bias: Tensor?, rectifies: Bool, geometry g: ConvolutionGeometry
    ) -> Tensor {
        let outChannels = weight.shape[0]
        let packed = panels(transformedKernels(weight.pointer, smallChannels: outChannels, largeChannels: g.channels),
                            smallChannels: outChannels, largeChannels: g.channels)
        return withExtendedLifetime(bias) {
            withoutActuallyEscaping(produce) { produce in
                down(nil, panels: packed, partner: nil, batch: batch, largeChannels: g.channels, smallChannels: outChannels,
                     height: g.height, width: g.width, bias: bias?.pointer, rectifies: rectifies, produce: produce).output!
            }
        }
    }

    /// The gradients of ``forward(input:weight:bias:rectifies:inputActivation:geometry:)`` with
    /// respect to its input (the activation's, with an `inputActivation`) and its weight, the
    /// output gradient transformed once for both; also a transposed convolution (the input
    /// gradient alone). `kernels`: the forward pass's transformed kernels, if kept.
    static func backward(
        outputGradient: Tensor, input: Tensor?, weight: Tensor, kernels: Tensor? = nil,
        inputActivation: ChannelsLast.Activation? = nil, geometry g: ConvolutionGeometry,
        computesInput: Bool, computesWeight: Bool
    ) -> (input: Tensor?, weight: Tensor?) {
        let outChannels = weight.shape[0]
        let partner = computesWeight ? input : nil
        guard computesInput || partner != nil else { return (nil, nil) }
        let u = computesInput
            ? kernels ?? transformedKernels(weight.pointer, smallChannels: outChannels, largeChannels: g.channels) : nil
        let (dx, dw) = withExtendedLifetime(partner) {
            up(outputGradient.pointer, kernels: u, partner: partner?.pointer, batch: outputGradient.shape[0],
               largeChannels: g.channels, smallChannels: outChannels, height: g.height, width: g.width,
               partnerActivation: inputActivation)
        }
        return (dx, dw)
    }

    /// The transposed convolution from `input` `[N, O, H/2, W/2]` to `[N, C, H, W]` with `weight`
    /// `[O, C, 4, 4]` (the adjoint of
    /// ``forward(input:weight:bias:rectifies:inputActivation:geometry:)``), and the
    /// transformed kernels, which its input gradient multiplies by again.
    static func transposedForward(input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry) -> (output: Tensor, kernels: Tensor) {
        let u = transformedKernels(weight.pointer, smallChannels: weight.shape[0], largeChannels: g.channels)
        let y = up(input.pointer, kernels: u, partner: nil, batch: input.shape[0], largeChannels: g.channels,
                   smallChannels: weight.shape[0], height: g.height, width: g.width).output!
        return (y, u)
    }

    /// The gradients of ``transposedForward(input:weight:geometry:)``: with respect to its input,
    /// the convolution of the output gradient; with respect to its weight, the same sum as the
    /// convolution's, sides swapped. The output gradient is transformed once for both.
    /// `kernels`: the forward pass's transformed kernels, if kept.
    static func transposedBackward(
        outputGradient: Tensor, input: Tensor, weight: Tensor, kernels: Tensor? = nil, geometry g: ConvolutionGeometry,
        computesInput: Bool, computesWeight: Bool
    ) -> (input: Tensor?, weight: Tensor?) {
        guard computesInput || computesWeight else { return (nil, nil) }
        let (small, large) = (weight.shape[0], g.channels)
        // Kernels transformed here die once packed: the pass holds one form of them, not two.
        let packed = computesInput
            ? panels(kernels ?? transformedKernels(weight.pointer, smallChannels: small, largeChannels: large),
                     smallChannels: small, largeChannels: large) : nil
        let (dx, dw) = down(outputGradient.pointer, panels: packed, partner: computesWeight ? input.pointer : nil,
                            batch: input.shape[0], largeChannels: large, smallChannels: small,
                            height: g.height, width: g.width)
        return (dx, dw)
    }

    // MARK: - The two passes

    /// One pass from the large side `large` `[N, C, H, W]` towards the small one, a group of
    /// images at a time, the large side transformed once for both of its uses: with transformed
    /// kernels `U` `[25, O, 4C']` packed in `panels` (``panels(_:smallChannels:largeChannels:)``),
    /// the convolution `[N, O, H/2, W/2]` (plus `bias[o]`, then
    /// `max(0, ·)` if asked); with a small-side `partner` `[N, O, H/2, W/2]`, the kernel gradient
    /// `Kᵀ (Σ_tiles (A ȳ Aᵀ)[ξ] ⊙ V[ξ])` with `ȳ` the partner (a transposed convolution's).
    ///
    /// Without `large` (`nil`), `produce` makes each group's large side when the group's turn
    /// comes: called on the group's core with the group's images, it passes their `[images, C, H,
    /// W]` to its last argument (for a convolution chain, the previous convolution's output of
    /// those images alone, ``Convolution/chainedForward(input:first:second:)``).
    static func down(
        _ large: UnsafePointer<Float>?, panels: Tensor?, partner: UnsafePointer<Float>?, batch: Int,
        largeChannels: Int, smallChannels: Int, height: Int, width: Int,
        bias: UnsafePointer<Float>? = nil, rectifies: Bool = false, inputActivation: ChannelsLast.Activation? = nil,
        produce: ((_ worker: Int, _ images: Range<Int>, _ use: (UnsafePointer<Float>) -> Void) -> Void)? = nil
    ) -> (output: Tensor?, kernelGradient: Tensor?) {
        precondition((large == nil) != (produce == nil), "down needs the large side or a way to produce it, not both.")
        let shape = PhaseTiles(height: height, width: width)
        let small = shape.small
        var output = panels.map { _ in Tensor(uninitializedShape: [batch, smallChannels, height / 2, width / 2]) }
        let y = output?.mutablePointer
        var sums = partner.map { _ in KernelGradientSums(smallChannels: smallChannels, largeChannels: largeChannels) }
        let depth = 4 * PhaseTiles.paddedChannels(largeChannels)
        forEachGroup(batch: batch, largeChannels: largeChannels, smallChannels: smallChannels, shape: shape,
                     sharing: sums == nil ? .claimed : .fixed) { worker, group in
            let (images, tiles, v, m) = (group.images, group.tiles, group.first, group.second)
            // The group's images, `[images, C, H, W]`, transformed.
            func transform(_ first: UnsafePointer<Float>) {
                for i in 0..<images.count {
                    shape.transformInput(first + i * largeChannels * shape.pixels, channels: largeChannels,
                                         into: v.data, firstTile: i * shape.tilesPerImage, layout: v.layout,
                                         scratch: group.scratch, activation: inputActivation)
                }
            }
            if let large {
                transform(large + images.lowerBound * largeChannels * shape.pixels)
            } else {
                produce!(worker, images, transform)
            }
            if let panels, let y {
                // M[ξ]ᵀ = V[ξ] U[ξ]ᵀ: tiles x O.
                ChannelsLast.multiply(v, byPackedKernels: panels.pointer, positions: PhaseTiles.positions, tiles: tiles,
                                      columns: smallChannels, depth: depth, into: m)
                for (i, n) in images.enumerated() {
                    small.transformOutput(m.data, channels: smallChannels, firstTile: i * shape.tilesPerImage,
                                          layout: m.layout, into: y + n * smallChannels * shape.smallPixels, bias: bias,
                                          rectifies: rectifies, scratch: group.scratch)
                }
            }
            if let partner, let sums {
                // The small side's buffer is free again: the partner's transform goes there.
                for (i, n) in images.enumerated() {
                    small.transformGradient(partner + n * smallChannels * shape.smallPixels, channels: smallChannels,
                                            into: m.data, firstTile: i * shape.tilesPerImage, layout: m.layout,
                                            scratch: group.scratch)
                }
                sums.add(worker: worker, transformedGradient: m, transformedInput: v, tiles: tiles)
            }
        }
        return (output, sums?.total())
    }

    /// One pass from the small side `small` `[N, O, H/2, W/2]` towards the large one, the small
    /// side transformed once for both of its uses: with transformed kernels `u` `[25, O, 4C']`,
    /// the adjoint of the convolution, `Tᵀ [Uᵀ (A ȳ Aᵀ)]`, `[N, C, H, W]` (the convolution's input
    /// gradient, and a transposed convolution); with a large-side `partner` `[N, C, H, W]`, the
    /// kernel gradient `Kᵀ (Σ_tiles (A ȳ Aᵀ)[ξ] ⊙ V[ξ])` with `V` the partner's transform.
    static func up(
        _ small: UnsafePointer<Float>, kernels u: Tensor?, partner: UnsafePointer<Float>?, batch: Int,
        largeChannels: Int, smallChannels: Int, height: Int, width: Int, partnerActivation: ChannelsLast.Activation? = nil
    ) -> (output: Tensor?, kernelGradient: Tensor?) {
        let shape = PhaseTiles(height: height, width: width)
        var output = u.map { _ in Tensor(uninitializedShape: [batch, largeChannels, height, width]) }
        let dx = output?.mutablePointer
        var sums = partner.map { _ in KernelGradientSums(smallChannels: smallChannels, largeChannels: largeChannels) }
        let depth = 4 * PhaseTiles.paddedChannels(largeChannels)
        forEachGroup(batch: batch, largeChannels: largeChannels, smallChannels: smallChannels, shape: shape,
                     sharing: sums == nil ? .claimed : .fixed) { worker, group in
            let (images, tiles, v, d) = (group.images, group.tiles, group.first, group.second)
            for (i, n) in images.enumerated() {
                shape.small.transformGradient(small + n * smallChannels * shape.smallPixels, channels: smallChannels,
                                              into: d.data, firstTile: i * shape.tilesPerImage, layout: d.layout,
                                              scratch: group.scratch)
            }
            if let u, let dx {
                for xi in 0..<PhaseTiles.positions {
                    // N[ξ]ᵀ = D[ξ]ᵀ U[ξ]: tiles x 4C' (whole panels: C' is whole vectors).
                    Kernels.product(rows: tiles, columns: depth, depth: smallChannels,
                                    a: d.position(xi), rowStride: d.layout.rowStride, depthStride: 1,
                                    b: .init(rowMajor: u.pointer + xi * smallChannels * depth, rowStride: depth, columns: depth),
                                    c: v.position(xi), ldc: v.layout.rowStride, accumulates: false)
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
                                         firstTile: i * shape.tilesPerImage, layout: v.layout, scratch: group.scratch,
                                         activation: partnerActivation)
                }
                sums.add(worker: worker, transformedGradient: d, transformedInput: v, tiles: tiles)
            }
        }
        return (output, sums?.total())
    }

    /// `U[ξ]ᵀ` of transformed kernels `u` `[25, O, 4C']` in the panels that
    /// ``down(_:panels:partner:batch:largeChannels:smallChannels:height:width:bias:rectifies:inputActivation:produce:)``
    /// multiplies by, packed once for all the groups.
    static func panels(_ u: Tensor, smallChannels: Int, largeChannels: Int) -> Tensor {
        let depth = 4 * PhaseTiles.paddedChannels(largeChannels)
        return Kernels.packedPanels(u.pointer, count: PhaseTiles.positions, columns: smallChannels, depth: depth, rowStride: depth)
    }

    // MARK: - Groups

    /// ``ChannelsLast/forEachGroup(batch:tilesPerImage:positions:rowLengths:scratchFloats:sharing:_:)`` with
    /// the large side's `[25, tiles, 4C']` matrices first (`C'` the channels padded to whole
    /// vectors) and the small side's `[25, tiles, O']` second.
    static func forEachGroup(
        batch: Int, largeChannels: Int, smallChannels: Int, shape: PhaseTiles, sharing: Convolution.Sharing,
        _ body: (_ worker: Int, _ group: ChannelsLast.Group) -> Void
    ) {
        ChannelsLast.forEachGroup(
            batch: batch, tilesPerImage: shape.tilesPerImage, positions: PhaseTiles.positions,
            rowLengths: (4 * PhaseTiles.paddedChannels(largeChannels), PhaseTiles.paddedChannels(smallChannels)),
            scratchFloats: max(shape.largeScratchSize(channels: largeChannels), shape.small.scratchSize(channels: smallChannels)),
            sharing: sharing, body)
    }
}
