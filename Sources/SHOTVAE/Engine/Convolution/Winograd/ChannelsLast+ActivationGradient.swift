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
        private var partials: Convolution.Partials

        init(activation: Activation, mean: UnsafePointer<Float>, channels: Int) {
            (self.activation, self.mean, self.channels) = (activation, mean, channels)
            partials = Convolution.Partials(count: 2 * channels)
        }

        /// Turns one image's gradient `gradient` `[channels, pixels]` into `dz`, in place, given
        /// the image `x` the activation read, and adds its sums to core `worker`'s.
        func apply(to gradient: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, pixels: Int, worker: Int) {
            let (totals, centered) = (partials.sums(worker), partials.sums(worker) + channels)
            for c in 0..<channels {
                let row = Kernels.leakyReLUGradientRow(
                    gradient + c * pixels, x + c * pixels, count: pixels, scale: activation.scale[c],
                    shift: activation.shift[c], negativeSlope: activation.negativeSlope, center: mean[c])
                totals[c] += row.sum
                centered[c] += row.centered
            }
        }

        /// The cores' sums added up: `Σ dz` and `Σ dz (x - μ)`, `[channels]` each.
        mutating func total() -> (gradient: Tensor, centered: Tensor) {
            let both = partials.total(shape: [2 * channels])
            let scalars = both.scalars
            return (Tensor(shape: [channels], scalars: Array(scalars[..<channels])),
                    Tensor(shape: [channels], scalars: Array(scalars[channels...])))
        }
    }
}
