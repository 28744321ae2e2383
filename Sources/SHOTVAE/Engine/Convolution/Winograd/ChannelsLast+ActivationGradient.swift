extension ChannelsLast {
    /// The gradient through an ``Activation``'s leaky rectifier, applied to an input gradient
    /// image by image as a convolution's backward pass writes it (while the image is still in
    /// cache), with the per-channel sums that the batch norm under the rectifier takes: `dz = da`
    /// where `z = scale[c] · x + shift[c]` is positive and `negativeSlope · da` elsewhere (`z`
    /// recomputed from `x` exactly as the forward pass computed it), `Σ dz` and `Σ dz (x - μ)`,
    /// per core. A separate pass would read the whole gradient back from memory and write it
    /// again.
    struct ActivationGradient {
        let activation: Activation
        /// The batch norm's batch mean μ per channel.
        let mean: UnsafePointer<Float>
        let channels: Int
        private let partials: Tensor
        private let sums: UnsafeMutablePointer<Float>

        init(activation: Activation, mean: UnsafePointer<Float>, channels: Int) {
            (self.activation, self.mean, self.channels) = (activation, mean, channels)
            var partials = Convolution.zeroedPartials(count: 2 * channels)
            sums = partials.mutablePointer
            self.partials = partials
        }

        /// Turns one image's gradient `gradient` `[channels, pixels]` into `dz`, in place, given
        /// the image `x` the activation read, and adds its sums to core `worker`'s.
        func apply(to gradient: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, pixels: Int, worker: Int) {
            let (slope, zero) = (activation.negativeSlope, Vector.zero)
            let (totals, weighted) = (sums + worker * 2 * channels, sums + worker * 2 * channels + channels)
            for c in 0..<channels {
                let (a, b, m) = (activation.scale[c], activation.shift[c], mean[c])
                let (av, bv, mv) = (Vector(repeating: a), Vector(repeating: b), Vector(repeating: m))
                let (row, values) = (gradient + c * pixels, x + c * pixels)
                var (total, product) = (Vector.zero, Vector.zero)
                var (tailTotal, tailProduct): (Float, Float) = (0, 0)
                var i = 0
                while i + Vector.scalarCount <= pixels {
                    let v = values.vector(at: i)
                    var d = row.vector(at: i)
                    d.replace(with: d * slope, where: v * av + bv .<= zero)
                    row.store(d, at: i)
                    total += d
                    product += d * (v - mv)
                    i += Vector.scalarCount
                }
                while i < pixels {
                    let v = values[i]
                    let d = v * a + b > 0 ? row[i] : row[i] * slope
                    row[i] = d
                    tailTotal += d
                    tailProduct += d * (v - m)
                    i += 1
                }
                totals[c] += total.sum() + tailTotal
                weighted[c] += product.sum() + tailProduct
            }
        }

        /// The cores' sums added up: `Σ dz` and `Σ dz (x - μ)`, `[channels]` each.
        func total() -> (gradient: Tensor, centered: Tensor) {
            let both = Convolution.sumPartials(partials, count: 2 * channels, shape: [2 * channels])
            let scalars = both.scalars
            return (Tensor(shape: [channels], scalars: Array(scalars[..<channels])),
                    Tensor(shape: [channels], scalars: Array(scalars[channels...])))
        }
    }
}
