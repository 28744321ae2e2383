/// 3x3 convolutions of stride 1 and padding 1 by Winograd's minimal filtering F(4x4, 3x3)
/// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
///
/// Each 4x4 tile of the output is `Y = Aᵀ [U ⊙ V] A`, summed over input channels, where
/// `U = G g Gᵀ` is the 6x6 transform of a 3x3 kernel `g` and `V = Bᵀ d B` the transform of the
/// 6x6 input patch `d` under the tile (the matrices are in ``Tiles`` and
/// `Winograd+Kernels.swift`). For every one of the 36 positions `ξ` of the transforms the sum
/// over channels is a matrix product, `M[ξ]ᵀ = V[ξ]ᵀ (tiles x C) × U[ξ]ᵀ (C x O)`: 36 products
/// of `O·C·tiles` multiply-adds against `9·O·C·16·tiles` for im2col, 4 times fewer. The
/// transforms multiply by small integers (and the kernel transform divides by 4, 6 and 24), so
/// the rounding error is a few times single precision's (2e-6 of the largest output on a
/// 64-channel layer, `WinogradTests`).
///
/// The gradients use the same transforms. With respect to the input, a size-preserving 3x3
/// convolution's adjoint is the convolution of the output gradient with the kernel flipped
/// and its channel axes swapped. With respect to the kernel, `dU[ξ] = Σ_tiles dM[ξ] ⊙ V[ξ]`
/// with `dM = A dY Aᵀ` (36 products `O x tiles × tiles x C`), and `dg = Gᵀ dU G`.
///
/// The transforms work on channels-last copies of the images (``ChannelsLast``); the batch
/// goes in groups of images whose transformed data stays in cache, each core taking its share
/// of the groups.
enum Winograd {
    /// Layers with fewer channels on either side (an RGB stem) keep im2col: products with a
    /// depth of a few channels run far below the products' peak.
    static let minimumChannels = 16

    /// Whether this convolution runs here: 3x3, stride 1, padding 1, at least ``minimumChannels``
    /// on both sides, and maps of at least 4x4 (a single tile).
    static func applies(_ g: ConvolutionGeometry, outputChannels: Int) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1 && g.padding == 1
            && g.height >= 4 && g.width >= 4
            && g.channels >= minimumChannels && outputChannels >= minimumChannels
    }

    /// `y[n, o] = Σ_c w[o, c] ⋆ x[n, c] (+ bias[o])`, then `max(0, y)` if `rectifies`: `input`
    /// `[N, C, H, W]`, `weight` `[O, C, 3, 3]`, `bias` `[O]`. With an `inputActivation`, `x` is
    /// the input's activation, applied as the input is transformed.
    static func forward(
        input: Tensor, weight: Tensor, bias: Tensor? = nil, rectifies: Bool = false,
        inputActivation: ChannelsLast.Activation? = nil, geometry g: ConvolutionGeometry
    ) -> Tensor {
        let panels = transformedKernels(weight.pointer, outChannels: weight.shape[0], inChannels: g.channels, flipped: false)
        return withExtendedLifetime(bias) {
            convolve(input.pointer, batch: input.shape[0], inChannels: g.channels, outChannels: weight.shape[0],
                     panels: panels, height: g.height, width: g.width, bias: bias?.pointer, rectifies: rectifies,
                     inputActivation: inputActivation)
        }
    }

    /// The gradients of ``forward(input:weight:bias:rectifies:inputActivation:geometry:)`` with
    /// respect to its input (the activation's, with an `inputActivation`) and its weight.
    ///
    /// With an `inputActivation` and its batch norm's mean (`activationMean`), when both
    /// gradients are asked for, the input gradient goes on through the activation's rectifier as
    /// each image of it is written (``ChannelsLast/ActivationGradient``): `input` is then the
    /// gradient of the rectifier's input `z`, and `activationSums` holds `Σ dz` and `Σ dz (x -
    /// μ)` per channel; otherwise `activationSums` is `nil` and `input` the activation's gradient.
    static func backward(
        outputGradient: Tensor, input: Tensor?, weight: Tensor, inputActivation: ChannelsLast.Activation? = nil,
        activationMean: UnsafePointer<Float>? = nil, geometry g: ConvolutionGeometry, computesInput: Bool,
        computesWeight: Bool
    ) -> (input: Tensor?, weight: Tensor?, activationSums: (gradient: Tensor, centered: Tensor)?) {
        let batch = outputGradient.shape[0]
        let outChannels = weight.shape[0]
        var dx: Tensor?
        if computesInput {
            // The adjoint: the kernel flipped, input and output channels swapped.
            let panels = transformedKernels(weight.pointer, outChannels: outChannels, inChannels: g.channels, flipped: true)
            if computesWeight, let input {
                var activationGradient = inputActivation.flatMap { activation in
                    activationMean.map { ChannelsLast.ActivationGradient(activation: activation, mean: $0, channels: g.channels) }
                }
                let (dx, dw) = gradients(input: input.pointer, outputGradient: outputGradient.pointer, batch: batch,
                                         inChannels: g.channels, outChannels: outChannels, flippedPanels: panels,
                                         height: g.height, width: g.width, inputActivation: inputActivation,
                                         activationGradient: activationGradient)
                return (dx, dw, activationGradient?.total())
            }
            dx = convolve(outputGradient.pointer, batch: batch, inChannels: outChannels, outChannels: g.channels,
                          panels: panels, height: g.height, width: g.width)
        }
        guard computesWeight, let input else { return (dx, nil, nil) }
        return (dx, kernelGradient(input: input.pointer, outputGradient: outputGradient.pointer, batch: batch,
                                   inChannels: g.channels, outChannels: outChannels, height: g.height, width: g.width,
                                   inputActivation: inputActivation), nil)
    }

    // MARK: - The passes

    /// The convolution of `x` `[N, C, H, W]` with kernels already transformed and packed,
    /// `panels` (from ``transformedKernels(_:outChannels:inChannels:flipped:)``), plus `bias[o]`,
    /// then `max(0, ·)` if asked; of `x`'s activation with an `inputActivation`.
    static func convolve(
        _ x: UnsafePointer<Float>, batch: Int, inChannels: Int, outChannels: Int, panels: Tensor,
        height: Int, width: Int, bias: UnsafePointer<Float>? = nil, rectifies: Bool = false,
        inputActivation: ChannelsLast.Activation? = nil
    ) -> Tensor {
        let shape = Tiles(height: height, width: width)
        var output = Tensor(uninitializedShape: [batch, outChannels, height, width])
        let y = output.mutablePointer
        forEachGroup(batch: batch, inChannels: inChannels, outChannels: outChannels, shape: shape, sharing: .claimed) { _, group in
            shape.convolve(x, inChannels: inChannels, outChannels: outChannels, panels: panels.pointer, into: y, group: group,
                           bias: bias, rectifies: rectifies, inputActivation: inputActivation)
        }
        return output
    }

    /// `dW[o, c] = Gᵀ (Σ_tiles dM[o] ⊙ V[c]) G` over the batch: `[O, C, 3, 3]`; `V` that of `x`'s
    /// activation with an `inputActivation`.
    static func kernelGradient(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, batch: Int,
        inChannels: Int, outChannels: Int, height: Int, width: Int, inputActivation: ChannelsLast.Activation? = nil
    ) -> Tensor {
        let shape = Tiles(height: height, width: width)
        let sums = kernelGradientSums(inChannels: inChannels, outChannels: outChannels)
        forEachGroup(batch: batch, inChannels: inChannels, outChannels: outChannels, shape: shape, sharing: .fixed) { worker, group in
            shape.addKernelGradient(input: x, outputGradient: dy, inChannels: inChannels, outChannels: outChannels,
                                    group: group, into: sums, worker: worker, inputActivation: inputActivation)
        }
        return kernels(from: sums, inChannels: inChannels)
    }

    /// Both gradients in one pass over the batch: the adjoint convolution of `dy` with the flipped
    /// kernels, transformed and packed (`panels`), into `[N, C, H, W]`, and the kernel gradient,
    /// from one channels-last copy of each image of `dy` (``Tiles/addGradients(input:outputGradient:inChannels:outChannels:flippedPanels:into:group:sums:worker:inputActivation:activationGradient:)``).
    /// With an `activationGradient`, each image of the input gradient goes through it as soon as
    /// it is written.
    static func gradients(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, batch: Int, inChannels: Int,
        outChannels: Int, flippedPanels panels: Tensor, height: Int, width: Int, inputActivation: ChannelsLast.Activation?,
        activationGradient: ChannelsLast.ActivationGradient? = nil
    ) -> (input: Tensor, weight: Tensor) {
        let shape = Tiles(height: height, width: width)
        var dx = Tensor(uninitializedShape: [batch, inChannels, height, width])
        let input = dx.mutablePointer
        let sums = kernelGradientSums(inChannels: inChannels, outChannels: outChannels)
        // Both sides' buffers hold either side's transforms.
        let widest = max(inChannels, outChannels)
        forEachGroup(batch: batch, inChannels: widest, outChannels: widest, shape: shape, sharing: .fixed,
                     gradientBuffer: true) { worker, group in
            shape.addGradients(input: x, outputGradient: dy, inChannels: inChannels, outChannels: outChannels,
                               flippedPanels: panels.pointer, into: input, group: group, sums: sums, worker: worker,
                               inputActivation: inputActivation, activationGradient: activationGradient)
        }
        return (dx, kernels(from: sums, inChannels: inChannels))
    }

    /// The kernel gradient's partial sums, `[36, O, C']` per core.
    static func kernelGradientSums(inChannels: Int, outChannels: Int) -> ChannelsLast.KernelGradientSums {
        ChannelsLast.KernelGradientSums(positions: 36, rows: outChannels, depth: ChannelsLast.paddedChannels(inChannels))
    }

    /// The kernel gradient `[O, C, 3, 3]` from its partial sums: added up, then `Gᵀ dU G`.
    static func kernels(from sums: ChannelsLast.KernelGradientSums, inChannels: Int) -> Tensor {
        var sums = sums
        let du = sums.total()
        return withExtendedLifetime(du) { kernelsFromTransforms(du.pointer, outChannels: sums.rows, inChannels: inChannels) }
    }

    // MARK: - Groups

    /// ``ChannelsLast/forEachGroup(batch:tilesPerImage:positions:rowLengths:scratchFloats:sharing:_:)`` with
    /// the input side's `[36, tiles, C']` matrices first and the output side's `[36, tiles, O']`
    /// second.
    static func forEachGroup(
        batch: Int, inChannels: Int, outChannels: Int, shape: Tiles, sharing: Convolution.Sharing,
        gradientBuffer: Bool = false, _ body: (_ worker: Int, _ group: ChannelsLast.Group) -> Void
    ) {
        ChannelsLast.forEachGroup(
            batch: batch, tilesPerImage: shape.tilesPerImage, positions: 36,
            rowLengths: (ChannelsLast.paddedChannels(inChannels), ChannelsLast.paddedChannels(outChannels)),
            scratchFloats: max(shape.inputScratchSize(channels: inChannels), shape.output.scratchSize(channels: outChannels)),
            sharing: sharing, gradientBuffer: gradientBuffer, body)
    }
}
