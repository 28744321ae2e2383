/// 3x3 convolutions of stride 1 and padding 1 by Winograd's minimal filtering F(2x2, 3x3)
/// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
///
/// Each 2x2 tile of the output is `Y = Aᵀ [U ⊙ V] A`, summed over input channels, where
/// `U = G g Gᵀ` is the 4x4 transform of a 3x3 kernel `g` and `V = Bᵀ d B` the transform of the
/// 4x4 input patch `d` under the tile. For every one of the 16 positions `ξ` of the transforms
/// the sum over channels is a matrix product, `M[ξ] = U[ξ] (O x C) × V[ξ] (C x tiles)`: 16
/// products of `O·C·tiles` multiply-adds, against `9·O·C·4·tiles` for im2col, 2.25 times fewer.
/// The transforms only add and halve, so the results stay at single-precision rounding (3e-7 of
/// the largest output on a 64-channel layer, `WinogradTests`).
///
/// The gradients use the same transforms. With respect to the input, a size-preserving 3x3
/// convolution's adjoint is the convolution of the output gradient with the kernel flipped
/// and its channel axes swapped. With respect to the kernel, `dU[ξ] = Σ_tiles dM[ξ] ⊙ V[ξ]`
/// with `dM = A dY Aᵀ` (16 products `O x tiles × tiles x C`), and `dg = Gᵀ dU G`.
///
/// As in ``Convolution``, the batch goes in groups of images whose transforms stay in cache,
/// each core taking its share of the groups.
enum Winograd {
    /// Layers with fewer channels on either side (an RGB stem) keep im2col: products with a
    /// depth of a few channels run far below the `sgemm` peak.
    static let minimumChannels = 16
    /// The transformed inputs and products of one group aim at this many floats (640 KB, within
    /// the L2 cache).
    static let groupFloats = 160_000
    /// A group's products aim at this many tiles (columns) at least.
    static let groupTiles = 256

    /// Whether this convolution runs here: 3x3, stride 1, padding 1, even height and width.
    static func applies(_ g: ConvolutionGeometry, outputChannels: Int) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1 && g.padding == 1
            && g.height % 2 == 0 && g.width % 2 == 0
            && g.channels >= minimumChannels && outputChannels >= minimumChannels
    }

    /// `y[n, o] = Σ_c w[o, c] ⋆ x[n, c]`: `input` `[N, C, H, W]`, `weight` `[O, C, 3, 3]`.
    static func forward(input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        let u = transformedKernels(weight.pointer, outChannels: weight.shape[0], inChannels: g.channels, flipped: false)
        return convolve(input.pointer, batch: input.shape[0], inChannels: g.channels, outChannels: weight.shape[0],
                        kernels: u, height: g.height, width: g.width)
    }

    /// The gradients of ``forward(input:weight:geometry:)`` with respect to its input and its weight.
    static func backward(
        outputGradient: Tensor, input: Tensor?, weight: Tensor, geometry g: ConvolutionGeometry,
        computesInput: Bool, computesWeight: Bool
    ) -> (input: Tensor?, weight: Tensor?) {
        let batch = outputGradient.shape[0]
        let outChannels = weight.shape[0]
        var dx: Tensor?
        if computesInput {
            // The adjoint: the kernel flipped, input and output channels swapped.
            let u = transformedKernels(weight.pointer, outChannels: outChannels, inChannels: g.channels, flipped: true)
            dx = convolve(outputGradient.pointer, batch: batch, inChannels: outChannels, outChannels: g.channels,
                          kernels: u, height: g.height, width: g.width)
        }
        guard computesWeight, let input else { return (dx, nil) }
        return (dx, kernelGradient(input: input.pointer, outputGradient: outputGradient.pointer, batch: batch,
                                   inChannels: g.channels, outChannels: outChannels, height: g.height, width: g.width))
    }

    // MARK: - The three directions

    /// Images per group: their transforms (4 floats per pixel and channel) in ``groupFloats``,
    /// but at least ``groupTiles`` tiles, so that the products are wide enough to run near the
    /// `sgemm` peak; and at least one group per core.
    static func groupSize(batch: Int, channels: Int, pixels: Int) -> Int {
        let byCache = groupFloats / (4 * pixels * channels)
        let byWidth = (4 * groupTiles + pixels - 1) / pixels
        return max(1, min(max(byCache, byWidth), batch / Parallel.coreCount))
    }

    /// One group of images and the buffers of the core that transforms it: the transformed
    /// inputs `v` and a second `[16, channels, tiles]` matrix, with room for either side's
    /// channels, and the scratch of ``TileShape/transformInput(_:channels:into:firstTile:tiles:scratch:)``.
    struct Group {
        let images: Range<Int>
        let tiles: Int
        let v: UnsafeMutablePointer<Float>
        let second: UnsafeMutablePointer<Float>
        let scratch: UnsafeMutablePointer<Float>
    }

    /// Cuts the batch into groups (see ``groupSize(batch:channels:pixels:)``) and hands each core
    /// its share, with its buffers.
    static func forEachGroup(
        batch: Int, inChannels: Int, outChannels: Int, pixels: Int, _ body: (_ worker: Int, _ group: Group) -> Void
    ) {
        let tilesPerImage = pixels / 4
        let size = groupSize(batch: batch, channels: inChannels + outChannels, pixels: pixels)
        let workspace = Convolution.Workspace(rows: 16 * max(inChannels, outChannels), columns: size * tilesPerImage)
        Convolution.forEachGroup(batch: batch, size: size) { worker, images in
            body(worker, Group(images: images, tiles: images.count * tilesPerImage, v: workspace.first(worker),
                               second: workspace.second(worker), scratch: workspace.third(worker)))
        }
    }

    /// The convolution of `x` `[N, C, H, W]` with kernels already transformed, `u` `[16, O, C]`.
    static func convolve(
        _ x: UnsafePointer<Float>, batch: Int, inChannels: Int, outChannels: Int, kernels u: Tensor,
        height: Int, width: Int
    ) -> Tensor {
        let pixels = height * width
        let tilesPerImage = pixels / 4
        var output = Tensor(uninitializedShape: [batch, outChannels, height, width])
        let y = output.mutablePointer
        let kernels = u.pointer
        let shape = TileShape(height: height, width: width)
        forEachGroup(batch: batch, inChannels: inChannels, outChannels: outChannels, pixels: pixels) { _, group in
            let (images, tiles, v, m, scratch) = (group.images, group.tiles, group.v, group.second, group.scratch)
            for (i, n) in images.enumerated() {
                shape.transformInput(x + n * inChannels * pixels, channels: inChannels, into: v,
                                     firstTile: i * tilesPerImage, tiles: tiles, scratch: scratch)
            }
            for xi in 0..<16 {
                Kernels.gemm(m: outChannels, n: tiles, k: inChannels, a: kernels + xi * outChannels * inChannels,
                             lda: inChannels, b: v + xi * inChannels * tiles, ldb: tiles,
                             c: m + xi * outChannels * tiles, ldc: tiles)
            }
            for (i, n) in images.enumerated() {
                shape.transformOutput(m, channels: outChannels, firstTile: i * tilesPerImage, tiles: tiles,
                                      into: y + n * outChannels * pixels)
            }
        }
        return output
    }

    /// `dW[o, c] = Gᵀ (Σ_tiles dM[o] ⊙ V[c]) G` over the batch: `[O, C, 3, 3]`.
    static func kernelGradient(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, batch: Int,
        inChannels: Int, outChannels: Int, height: Int, width: Int
    ) -> Tensor {
        let pixels = height * width
        let tilesPerImage = pixels / 4
        let transformSize = 16 * outChannels * inChannels
        var partials = Tensor(shape: [Parallel.coreCount, transformSize])
        let sums = partials.mutablePointer
        let shape = TileShape(height: height, width: width)
        forEachGroup(batch: batch, inChannels: inChannels, outChannels: outChannels, pixels: pixels) { worker, group in
            let (images, tiles, v, d, scratch) = (group.images, group.tiles, group.v, group.second, group.scratch)
            for (i, n) in images.enumerated() {
                shape.transformInput(x + n * inChannels * pixels, channels: inChannels, into: v,
                                     firstTile: i * tilesPerImage, tiles: tiles, scratch: scratch)
                shape.transformGradient(dy + n * outChannels * pixels, channels: outChannels, into: d,
                                        firstTile: i * tilesPerImage, tiles: tiles)
            }
            for xi in 0..<16 {
                Kernels.gemm(transposeB: true, m: outChannels, n: inChannels, k: tiles,
                             a: d + xi * outChannels * tiles, lda: tiles, b: v + xi * inChannels * tiles, ldb: tiles,
                             beta: 1, c: sums + worker * transformSize + xi * outChannels * inChannels, ldc: inChannels)
            }
        }
        let du = Convolution.sumPartials(partials, count: transformSize, shape: [16, outChannels, inChannels])
        return kernelsFromTransforms(du.pointer, outChannels: outChannels, inChannels: inChannels)
    }

    // MARK: - Kernel transforms

    /// `U[ξ, o, c] = (G g Gᵀ)[ξ]` for every kernel, `[16, O, C]`; with `flipped`, the kernels of
    /// the adjoint instead: `g'[c, o] = g[o, c]` rotated by 180°, giving `[16, C, O]`.
    ///
    /// `G = [[1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]]`.
    static func transformedKernels(_ w: UnsafePointer<Float>, outChannels: Int, inChannels: Int, flipped: Bool) -> Tensor {
        let (rows, columns) = flipped ? (inChannels, outChannels) : (outChannels, inChannels)
        var result = Tensor(uninitializedShape: [16, rows, columns])
        let u = result.mutablePointer
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                let g = w + (o * inChannels + c) * 9
                // Gg: four rows of three.
                var t = SIMD16<Float>()
                for k in 0..<3 {
                    let (g0, g1, g2) = flipped ? (g[8 - k], g[5 - k], g[2 - k]) : (g[k], g[3 + k], g[6 + k])
                    t[k] = g0
                    t[3 + k] = 0.5 * (g0 + g1 + g2)
                    t[6 + k] = 0.5 * (g0 - g1 + g2)
                    t[9 + k] = g2
                }
                let index = flipped ? c * outChannels + o : o * inChannels + c
                for i in 0..<4 {
                    let (a, b, e) = (t[3 * i], t[3 * i + 1], t[3 * i + 2])
                    u[(4 * i) * rows * columns + index] = a
                    u[(4 * i + 1) * rows * columns + index] = 0.5 * (a + b + e)
                    u[(4 * i + 2) * rows * columns + index] = 0.5 * (a - b + e)
                    u[(4 * i + 3) * rows * columns + index] = e
                }
            }
        }
        return result
    }

    /// `dg = Gᵀ dU G` for every kernel: `[16, O, C]` to `[O, C, 3, 3]`.
    ///
    /// `Gᵀ = [[1, ½, ½, 0], [0, ½, -½, 0], [0, ½, ½, 1]]`.
    static func kernelsFromTransforms(_ du: UnsafePointer<Float>, outChannels: Int, inChannels: Int) -> Tensor {
        var result = Tensor(uninitializedShape: [outChannels, inChannels, 3, 3])
        let dw = result.mutablePointer
        let stride = outChannels * inChannels
        for index in 0..<stride {
            // Gᵀ dU: three rows of four.
            var t = SIMD16<Float>()
            for j in 0..<4 {
                let (u0, u1, u2, u3) = (du[j * stride + index], du[(4 + j) * stride + index],
                                        du[(8 + j) * stride + index], du[(12 + j) * stride + index])
                t[j] = u0 + 0.5 * (u1 + u2)
                t[4 + j] = 0.5 * (u1 - u2)
                t[8 + j] = 0.5 * (u1 + u2) + u3
            }
            for i in 0..<3 {
                let (a, b, c, d) = (t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3])
                dw[index * 9 + 3 * i] = a + 0.5 * (b + c)
                dw[index * 9 + 3 * i + 1] = 0.5 * (b - c)
                dw[index * 9 + 3 * i + 2] = 0.5 * (b + c) + d
            }
        }
        return result
    }
}
