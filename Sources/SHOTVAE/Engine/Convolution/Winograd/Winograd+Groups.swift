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
}
