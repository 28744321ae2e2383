extension Convolution {
    /// One convolution of a chain: its weight `[O, C, kh, kw]`, bias `[O]` (or `nil`) and
    /// geometry.
    struct Link {
        let weight: Tensor
        let bias: Tensor?
        let geometry: ConvolutionGeometry
    }

    /// For inference: `second(max(0, first(input)))`, then `max(0, ·)` if `rectifies`, when the
    /// first convolution runs by im2col and the second by ``PolyphaseWinograd`` (the MNIST
    /// encoder's first two layers); `nil` otherwise.
    ///
    /// The first convolution's output is made a group of images at a time, on the core that
    /// transforms it next and just before it does, so that it is read back from cache. Whole, it
    /// would be written out and read back from memory: at batch 1,000 the MNIST encoder's first
    /// layer makes 32 MB, which the second layer's channels-last copies read at a third of the
    /// speed they reach in cache, and which raised the MNIST benchmark's peak memory by as much.
    /// The values are those of the two layers one after the other: each image's first
    /// convolution is the same product, whichever images share its group.
    static func chainedForward(input: Tensor, first: Link, second: Link, rectifies: Bool) -> Tensor? {
        let batch = input.shape[0]
        let (g1, g2) = (first.geometry, second.geometry)
        let middleChannels = first.weight.shape[0]
        guard form(g1, outputChannels: middleChannels, batch: batch) == .im2col,
              form(g2, outputChannels: second.weight.shape[0], batch: batch) == .polyphase else { return nil }
        precondition(g2.channels == middleChannels && g2.height == g1.outputHeight && g2.width == g1.outputWidth,
                     "The second convolution of a chain reads the first one's output.")
        let pixels = g1.outputPixels
        return withExtendedLifetime((input, first.weight, first.bias)) {
            PolyphaseWinograd.forward(batch: batch, producedBy: { _, images, use in
                // `max(0, first(x))` of the group's images, `[images, middleChannels, H, W]`.
                let count = images.count
                var middle = Tensor(uninitializedShape: [count, middleChannels, g1.outputHeight, g1.outputWidth])
                PhaseClock.measure(.convolutionForward) {
                    var columns = Tensor(uninitializedShape: [g1.patchSize, count * pixels])
                    var product = Tensor(uninitializedShape: [middleChannels, count * pixels])
                    unfold(input.pointer, images: images, geometry: g1, into: columns.mutablePointer)
                    multiply(first.weight.pointer, rows: middleChannels, depth: g1.patchSize, columns.pointer,
                             images: 0..<count, pixels: pixels, into: middle.mutablePointer,
                             workspace: product.mutablePointer, bias: first.bias?.pointer, rectifies: true)
                }
                use(middle.pointer)
            }, weight: second.weight, bias: second.bias, rectifies: rectifies, geometry: g2)
        }
    }
}
