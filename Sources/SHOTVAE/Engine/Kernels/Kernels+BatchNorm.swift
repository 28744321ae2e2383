import CSHOTVAEKernels

extension Kernels {
    /// Per-channel mean and biased variance of `x[N, C, pixels]` over the batch and pixels, in
    /// one pass over `x`: the sums of `x - K` and `(x - K)²`, with `K` the channel's first value.
    /// Shifted by a value of the data, the sums stay of the order of the spread, so the variance
    /// `Σ(x - K)² / M - (Σ(x - K) / M)²` keeps its accuracy when the mean is large against it.
    static func channelMoments(
        _ x: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    ) {
        let count = Float(batch * pixels)
        Parallel.forEach(channels, grain: max(1, 32_768 / max(1, batch * pixels))) { range in
            for c in range {
                let shift = x[c * pixels]
                let sv = Vector(repeating: shift)
                var (total, squares): (Float, Float) = (0, 0)
                for n in 0..<batch {
                    let row = x + (n * channels + c) * pixels
                    // The channel's rows are `channels · pixels` apart: the next one is asked for
                    // while this one is summed.
                    let next = n + 1 < batch ? row + channels * pixels : x + (c + 1) * pixels
                    var (sums, products) = (Vector.zero, Vector.zero)
                    var i = 0
                    while i + Vector.scalarCount <= pixels {
                        shotvae_prefetch(next + i)
                        let d = row.vector(at: i) - sv
                        sums += d
                        products += d * d
                        i += Vector.scalarCount
                    }
                    var (tailSum, tailSquares): (Float, Float) = (0, 0)
                    while i < pixels {
                        let d = row[i] - shift
                        tailSum += d
                        tailSquares += d * d
                        i += 1
                    }
                    total += sums.sum() + tailSum
                    squares += products.sum() + tailSquares
                }
                let offset = total / count
                mean[c] = shift + offset
                variance[c] = max(0, squares / count - offset * offset)
            }
        }
    }

    /// Calls `body(offset, scale, shift)` for every `[pixels]` row of `[N, C, pixels]`, with the
    /// row's offset and its channel's `scale[c]` and `shift[c]`, the rows split across the cores.
    @inline(__always)
    static func forEachChannelRow(
        batch: Int, channels: Int, pixels: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        _ body: (_ offset: Int, _ scale: Float, _ shift: Float) -> Void
    ) {
        Parallel.forEach(batch * channels, grain: max(1, 32_768 / max(1, pixels))) { range in
            for row in range {
                let c = row % channels
                body(row * pixels, scale[c], shift[c])
            }
        }
    }

    /// `y = scale[c] * x + shift[c]` per channel of `[N, C, pixels]`.
    static func channelAffine(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        batch: Int, channels: Int, pixels: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>
    ) {
        forEachChannelRow(batch: batch, channels: channels, pixels: pixels, scale: scale, shift: shift) { offset, a, b in
            let (av, bv) = (Vector(repeating: a), Vector(repeating: b))
            map(x + offset, y + offset, count: pixels, vector: { $0 * av + bv }, scalar: { $0 * a + b })
        }
    }

    /// `y = leakyReLU(scale[c] * x + shift[c])` per channel of `[N, C, pixels]`, in one pass:
    /// batch norm and its activation fused.
    static func channelAffineLeakyReLU(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        batch: Int, channels: Int, pixels: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, negativeSlope: Float
    ) {
        let slope = negativeSlope
        let zero = Vector.zero
        forEachChannelRow(batch: batch, channels: channels, pixels: pixels, scale: scale, shift: shift) { offset, a, b in
            let (av, bv) = (Vector(repeating: a), Vector(repeating: b))
            map(x + offset, y + offset, count: pixels,
                vector: { v in
                    let z = v * av + bv
                    return z.replacing(with: z * slope, where: z .< zero)
                },
                scalar: { v in
                    let z = v * a + b
                    return z > 0 ? z : z * slope
                })
        }
    }

    /// Per-channel sums `Σ dy` and `Σ dy ⊙ x̂` over batch and pixels, where
    /// `x̂ = (x - mean[c]) * inverseDeviation[c]`.
    static func channelGradientSums(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        batch: Int, channels: Int, pixels: Int,
        mean: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
        sumGradient: UnsafeMutablePointer<Float>, sumGradientNormalized: UnsafeMutablePointer<Float>
    ) {
        Parallel.forEach(channels, grain: max(1, 32_768 / max(1, batch * pixels))) { range in
            for c in range {
                var total: Float = 0
                var weighted: Float = 0
                for n in 0..<batch {
                    let offset = (n * channels + c) * pixels
                    let g = sum(dy + offset, count: pixels)
                    total += g
                    weighted += dot(dy + offset, x + offset, count: pixels) - mean[c] * g
                }
                sumGradient[c] = total
                sumGradientNormalized[c] = weighted * inverseDeviation[c]
            }
        }
    }

    /// The gradient through `leakyReLU(scale[c] · x + shift[c])`, in place, and its sums as
    /// ``channelGradientSums(_:_:batch:channels:pixels:mean:inverseDeviation:sumGradient:sumGradientNormalized:)``
    /// takes them, in one pass: `g` becomes `g` where the affine value is positive and
    /// `negativeSlope · g` elsewhere (the affine value recomputed from `x` exactly as
    /// ``channelAffineLeakyReLU(_:_:batch:channels:pixels:scale:shift:negativeSlope:)`` computes
    /// it), and is summed while it is in registers (a pre-activation's batch norm: two passes over
    /// `g` and `x` become one).
    static func channelAffineLeakyReLUGradientSums(
        _ g: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
        batch: Int, channels: Int, pixels: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, negativeSlope: Float,
        mean: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
        sumGradient: UnsafeMutablePointer<Float>, sumGradientNormalized: UnsafeMutablePointer<Float>
    ) {
        Parallel.forEach(channels, grain: max(1, 32_768 / max(1, batch * pixels))) { range in
            for c in range {
                var (total, weighted): (Float, Float) = (0, 0)
                for n in 0..<batch {
                    let offset = (n * channels + c) * pixels
                    // The next row of the channel (or the next channel's first), asked for ahead.
                    let ahead = (n + 1 < batch ? offset + channels * pixels : (c + 1) * pixels) - offset
                    let row = leakyReLUGradientRow(g + offset, x + offset, count: pixels, scale: scale[c], shift: shift[c],
                                                   negativeSlope: negativeSlope, center: 0, prefetching: ahead)
                    total += row.sum
                    weighted += row.centered - mean[c] * row.sum
                }
                sumGradient[c] = total
                sumGradientNormalized[c] = weighted * inverseDeviation[c]
            }
        }
    }

    /// One row of a gradient through `leakyReLU(a · x + b)`, in place: `g` becomes `dz`, `g` where
    /// `a · x + b` is positive and `negativeSlope · g` elsewhere (the affine value computed as
    /// ``channelAffineLeakyReLU(_:_:batch:channels:pixels:scale:shift:negativeSlope:)`` computes
    /// it), and the row's `Σ dz` and `Σ dz (x - center)` are returned, summed while `dz` is in
    /// registers. (The separate pass takes `center` 0 and subtracts the mean's share row by row,
    /// the fused one of ``ChannelsLast/ActivationGradient`` centers on the mean: the two round
    /// differently, and each keeps the rounding it was checked with, across processes too.)
    /// With a nonzero `ahead`, the rows `ahead` floats on are asked for while this one is
    /// computed.
    @inline(__always)
    static func leakyReLUGradientRow(
        _ g: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
        scale a: Float, shift b: Float, negativeSlope slope: Float, center m: Float, prefetching ahead: Int = 0
    ) -> (sum: Float, centered: Float) {
        let (av, bv, mv, zero) = (Vector(repeating: a), Vector(repeating: b), Vector(repeating: m), Vector.zero)
        var (sums, products) = (Vector.zero, Vector.zero)
        var (tailSum, tailProduct): (Float, Float) = (0, 0)
        var i = 0
        while i + Vector.scalarCount <= count {
            if ahead != 0 {
                shotvae_prefetch(g + ahead + i)
                shotvae_prefetch(x + ahead + i)
            }
            let v = x.vector(at: i)
            var d = g.vector(at: i)
            d.replace(with: d * slope, where: v * av + bv .<= zero)
            g.store(d, at: i)
            sums += d
            products += d * (v - mv)
            i += Vector.scalarCount
        }
        while i < count {
            let v = x[i]
            let d = v * a + b > 0 ? g[i] : g[i] * slope
            g[i] = d
            tailSum += d
            tailProduct += d * (v - m)
            i += 1
        }
        return (sums.sum() + tailSum, products.sum() + tailProduct)
    }

    /// The input gradient of training-mode batch norm:
    /// `dx = γ σ⁻¹ (dy - Σdy / M - x̂ Σ(dy x̂) / M)`, where `M` (`count`) is the number of values
    /// per channel that the statistics and the two sums cover: `batch * pixels` in one process,
    /// the whole batch's when it is divided among processes. `dx` may be `dy` (in place).
    static func batchNormInputGradient(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        batch: Int, channels: Int, pixels: Int, count: Int,
        mean: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        sumGradient: UnsafePointer<Float>, sumGradientNormalized: UnsafePointer<Float>
    ) {
        let count = Float(count)
        Parallel.forEach(batch * channels, grain: max(1, 32_768 / max(1, pixels))) { range in
            for row in range {
                let c = row % channels
                let s = inverseDeviation[c]
                let k = gamma[c] * s
                let meanGradient = sumGradient[c] / count
                let projection = sumGradientNormalized[c] / count
                // dx = k * (dy - meanGradient - (x - mean) * s * projection)
                let slope = s * projection
                let offset = mean[c] * slope - meanGradient
                let kv = Vector(repeating: k)
                let sv = Vector(repeating: slope)
                let ov = Vector(repeating: offset)
                zip(dy + row * pixels, x + row * pixels, dx + row * pixels, count: pixels,
                    vector: { g, x in kv * (g - x * sv + ov) },
                    scalar: { g, x in k * (g - x * slope + offset) })
            }
        }
    }
}
