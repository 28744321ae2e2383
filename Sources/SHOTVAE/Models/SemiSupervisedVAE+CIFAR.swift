extension SemiSupervisedVAE {
    /// The DCGAN-style decoder of the paper's CIFAR runs (Method.md section 6), for
    /// `imageSize x imageSize` images, `imageSize` a multiple of 32: the sample `concat[z, y]`
    /// as a `(Dz + K) x 1 x 1` map; a transposed convolution with kernel `imageSize / 32` to
    /// 1,024 channels; four 4x4 transposed convolutions of stride 2 to 512, 256, 128 and 64
    /// channels, each followed by batch norm and ReLU; a last 4x4 transposed convolution of
    /// stride 2 to `channels` logits. No convolution has a bias.
    ///
    /// - Parameters:
    ///   - inputCount: `Dz + K`.
    ///   - channels: Output channels (3 for colour).
    ///   - imageSize: The output's side, a multiple of 32.
    ///   - generator: The source of the initial weights.
    public static func dcganDecoder(inputCount: Int, channels: Int = 3, imageSize: Int = 32,
                                    generator: inout RandomGenerator) -> Sequential {
        precondition(imageSize >= 32 && imageSize % 32 == 0, "The DCGAN decoder makes images whose side is a multiple of 32.")
        var layers: [any Layer] = [
            Reshape([inputCount, 1, 1]),
            ConvTranspose2D(inputChannels: inputCount, outputChannels: 1024, kernelSize: imageSize / 32, hasBias: false,
                            generator: &generator),
            BatchNorm(featureCount: 1024), ReLU(),
        ]
        var width = 1024
        for next in [512, 256, 128, 64] {
            layers += [
                ConvTranspose2D(inputChannels: width, outputChannels: next, kernelSize: 4, stride: 2, padding: 1,
                                hasBias: false, generator: &generator),
                BatchNorm(featureCount: next), ReLU(),
            ]
            width = next
        }
        layers.append(ConvTranspose2D(inputChannels: width, outputChannels: channels, kernelSize: 4, stride: 2,
                                      padding: 1, hasBias: false, generator: &generator))
        return Sequential(layers)
    }

    /// The paper's CIFAR model (Method.md section 6): a WideResNet-28-k encoder, `Dz = 128`,
    /// and the DCGAN decoder producing 32x32x3 logits for a Bernoulli reconstruction.
    ///
    /// - Parameters:
    ///   - widthFactor: `k` of WideResNet-28-k (2 or 10 in the paper).
    ///   - latentCount: `Dz` (128).
    ///   - classCount: `K` (10 or 100).
    ///   - generator: The source of the initial weights.
    public static func cifar(widthFactor: Int = 2, latentCount: Int = 128, classCount: Int = 10,
                             generator: inout RandomGenerator) -> SemiSupervisedVAE {
        let encoder = WideResNet(depth: 28, widthFactor: widthFactor, generator: &generator)
        let decoder = dcganDecoder(inputCount: latentCount + classCount, generator: &generator)
        return SemiSupervisedVAE(encoder: encoder, featureCount: encoder.featureCount, latentCount: latentCount,
                                 classCount: classCount, decoder: decoder, generator: &generator)
    }
}
