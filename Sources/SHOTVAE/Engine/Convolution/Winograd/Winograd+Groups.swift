extension Winograd.Tiles {
    /// One group's share of a convolution with transformed kernels `U[ξ]ᵀ` in panels (`panels`,
    /// from ``Winograd/transformedKernels(_:outChannels:inChannels:flipped:)``): its images'
    /// patches into `group.first`, the 36 products into `group.second`, and their output tiles
    /// into `y` `[N, O, H, W]` (plus `bias[o]`, then `max(0, ·)` if asked). With an
    /// `inputActivation`, the patches are those of `x`'s activation.
    func convolve(
        _ x: UnsafePointer<Float>, inChannels: Int, outChannels: Int, panels: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>, group: ChannelsLast.Group, bias: UnsafePointer<Float>? = nil,
        rectifies: Bool = false, inputActivation: ChannelsLast.Activation? = nil
    ) {
        let (v, m) = (group.first, group.second)
        let depth = ChannelsLast.paddedChannels(inChannels)
        for (i, n) in group.images.enumerated() {
            transformInput(x + n * inChannels * pixels, channels: inChannels, into: v.data, firstTile: i * tilesPerImage,
                           layout: v.layout, scratch: group.scratch, activation: inputActivation)
        }
        // M[ξ]ᵀ = V[ξ] U[ξ]ᵀ: tiles x O.
        ChannelsLast.multiply(v, byPackedKernels: panels, positions: 36, tiles: group.tiles, columns: outChannels,
                              depth: depth, into: m)
        for (i, n) in group.images.enumerated() {
            output.transformOutput(m.data, channels: outChannels, firstTile: i * tilesPerImage, layout: m.layout,
                                   into: y + n * outChannels * pixels, bias: bias, rectifies: rectifies, scratch: group.scratch)
        }
    }

    /// One group's share of a kernel gradient, added to core `worker`'s partial sums `[36, O, C']`:
    /// `dU[ξ] += D[ξ]ᵀ V[ξ]`, with `V` the patches of `x` (of its activation, with an
    /// `inputActivation`) in `group.first` and `D` the output gradient's tiles in `group.second`.
    func addKernelGradient(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, inChannels: Int, outChannels: Int,
        group: ChannelsLast.Group, into sums: ChannelsLast.KernelGradientSums, worker: Int,
        inputActivation: ChannelsLast.Activation?
    ) {
        let (v, d) = (group.first, group.second)
        for (i, n) in group.images.enumerated() {
            transformInput(x + n * inChannels * pixels, channels: inChannels, into: v.data, firstTile: i * tilesPerImage,
                           layout: v.layout, scratch: group.scratch, activation: inputActivation)
            output.transformGradient(dy + n * outChannels * pixels, channels: outChannels, into: d.data,
                                     firstTile: i * tilesPerImage, layout: d.layout, scratch: group.scratch)
        }
        sums.add(worker: worker, transformedGradient: d, transformedInput: v, tiles: group.tiles)
    }

    /// One group's share of both gradients (``Winograd/gradients(input:outputGradient:batch:inChannels:outChannels:flippedPanels:height:width:inputActivation:activationGradient:)``):
    /// the output gradient's two transforms come from one channels-last copy of each image, its
    /// patches `V` (the adjoint convolution's input) into `group.first` and its tiles `D` into
    /// `group.gradient`; the adjoint's products go into `group.second` and their tiles into `dx`
    /// `[N, C, H, W]` (each image then through `activationGradient`, if given, while in cache);
    /// last, the patches of `x` (of its activation, with an `inputActivation`) into
    /// `group.first`, and `dU[ξ] += D[ξ]ᵀ V[ξ]` into core `worker`'s partial sums.
    func addGradients(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, inChannels: Int, outChannels: Int,
        flippedPanels panels: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, group: ChannelsLast.Group,
        sums: ChannelsLast.KernelGradientSums, worker: Int, inputActivation: ChannelsLast.Activation?,
        activationGradient: ChannelsLast.ActivationGradient?
    ) {
        guard let d = group.gradient else { preconditionFailure("Both gradients need the group's gradient buffer.") }
        let (v, m) = (group.first, group.second)
        let (cp, pw) = (ChannelsLast.paddedChannels(outChannels), inputRowLength)
        for (i, n) in group.images.enumerated() {
            transformInput(dy + n * outChannels * pixels, channels: outChannels, into: v.data, firstTile: i * tilesPerImage,
                           layout: v.layout, scratch: group.scratch)
            // The copy transformInput left in the scratch, inside its one-pixel border, and the
            // room after it for the row transforms.
            output.transformGradient(channelsLast: group.scratch + (pw + 1) * cp, rowLength: pw, channels: outChannels,
                                     into: d.data, firstTile: i * tilesPerImage, layout: d.layout,
                                     rowTransforms: group.scratch + (4 * tilesHigh + 2) * pw * cp)
        }
        // The adjoint's M[ξ]ᵀ = V[ξ] U'[ξ]ᵀ: tiles x C.
        ChannelsLast.multiply(v, byPackedKernels: panels, positions: 36, tiles: group.tiles, columns: inChannels,
                              depth: cp, into: m)
        for (i, n) in group.images.enumerated() {
            let image = n * inChannels * pixels
            output.transformOutput(m.data, channels: inChannels, firstTile: i * tilesPerImage, layout: m.layout,
                                   into: dx + image, bias: nil, rectifies: false, scratch: group.scratch)
            activationGradient?.apply(to: dx + image, input: x + image, pixels: pixels, worker: worker)
        }
        for (i, n) in group.images.enumerated() {
            transformInput(x + n * inChannels * pixels, channels: inChannels, into: v.data, firstTile: i * tilesPerImage,
                           layout: v.layout, scratch: group.scratch, activation: inputActivation)
        }
        sums.add(worker: worker, transformedGradient: d, transformedInput: v, tiles: group.tiles)
    }
}
