extension Convolution {
    /// The gradient a convolution's backward pass starts from, and its bias gradient, in one
    /// parallel pass over the output gradient `[N, C, H, W]`: with `rectifiedOutput` (a
    /// convolution fused with a ReLU) the gradient is zeroed where the output is not positive;
    /// with `computesBias` each channel's gradient is summed over the batch and the pixels.
    ///
    /// The bias gradient is the same, bit for bit, as `gradient.summed(to: [1, C, 1, 1])` after
    /// the rectifier on its own: each image's channel plane is summed by `Kernels.sum` while it
    /// is in cache (any core), then the planes' sums are added in image order.
    static func outputGradient(
        _ gradient: Tensor, rectifiedOutput: Tensor?, computesBias: Bool
    ) -> (gradient: Tensor, bias: Tensor?) {
        if let rectifiedOutput {
            precondition(gradient.shape == rectifiedOutput.shape, "Gradient \(gradient.shape) for an output of shape \(rectifiedOutput.shape).")
        }
        guard rectifiedOutput != nil || computesBias else { return (gradient, nil) }
        let (batch, channels) = (gradient.shape[0], gradient.shape[1])
        let plane = gradient.count / max(batch * channels, 1)
        var masked = rectifiedOutput == nil ? gradient : Tensor(uninitializedShape: gradient.shape)
        var planeSums = Tensor(uninitializedShape: [batch, channels])
        let source = gradient.pointer
        let destination = rectifiedOutput == nil ? nil : masked.mutablePointer
        let reference = rectifiedOutput?.pointer
        let sums = planeSums.mutablePointer
        withExtendedLifetime(rectifiedOutput) {
            Parallel.forEach(batch * channels, grain: max(1, Tensor.elementwiseGrain / max(plane, 1))) { planes in
                for p in planes {
                    let offset = p * plane
                    if let destination, let reference {
                        Kernels.rectifierGradient(source + offset, reference + offset, destination + offset, count: plane)
                    }
                    if computesBias {
                        sums[p] = Kernels.sum((destination.map { UnsafePointer($0) } ?? source) + offset, count: plane)
                    }
                }
            }
        }
        guard computesBias else { return (masked, nil) }
        var bias = Tensor(shape: [channels])
        let b = bias.mutablePointer
        for n in 0..<batch {
            for c in 0..<channels { b[c] += sums[n * channels + c] }
        }
        return (masked, bias)
    }
}
