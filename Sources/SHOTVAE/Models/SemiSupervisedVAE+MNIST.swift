#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SemiSupervisedVAE {
    /// The paper's convolutional VAE for 32x32 single-channel images (Method.md section 7).
    ///
    /// Encoder: three 4x4 convolutions of stride 2 (1 → 32 → 64 → 64 channels, 32 → 16 → 8 → 4
    /// pixels) with ReLU, flatten (1,024), dense 1,024 → 256 with ReLU. Decoder: dense
    /// `Dz + K` → 256 → 1,024 with ReLU, reshape to 64x4x4, three 4x4 transposed convolutions
    /// of stride 2 (64 → 32 → 32 → 1) with ReLU between them and tanh at the end, so the output
    /// is in [-1, 1] like the inputs.
    ///
    /// The initial weights are PyTorch's defaults. `meanPixel` sets the bias of the last layer to
    /// `atanh(meanPixel)`, so that the untrained decoder draws about the average intensity of the
    /// data instead of 0. With a zero bias, the first updates of a squared-error reconstruction all
    /// push the output towards the background (-1 on MNIST); for some initial weights the tanh
    /// then saturates on every pixel within a few dozen Adam steps, where its derivative rounds
    /// to 0 in single precision, and the decoder never learns (the reconstruction stays at the
    /// all-background value for the whole run). Starting at the mean removes that first push.
    ///
    /// - Parameters:
    ///   - latentCount: The dimension `Dz` of `z` (the paper: 10).
    ///   - classCount: The number of classes `K` (10).
    ///   - meanPixel: The average pixel of the training images in the output's range (MNIST in
    ///     [-1, 1]: about -0.80); 0 keeps PyTorch's initialisation. A mean at or beyond ±1 (a
    ///     blank data set) is taken as ±0.999, a bias of ±3.8.
    ///   - generator: The source of the initial weights; `meanPixel` draws nothing from it.
    public static func mnist(
        latentCount: Int = 10, classCount: Int = 10, meanPixel: Float = 0, generator: inout RandomGenerator
    ) -> SemiSupervisedVAE {
        precondition(meanPixel.isFinite, "The mean pixel must be a finite number, got \(meanPixel).")
        let encoder = Sequential([
            Conv2D(inputChannels: 1, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1, generator: &generator),
            ReLU(),
            Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, generator: &generator),
            ReLU(),
            Conv2D(inputChannels: 64, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, generator: &generator),
            ReLU(),
            Flatten(),
            Dense(inputCount: 1024, outputCount: 256, generator: &generator),
            ReLU(),
        ])
        let hidden: [any Layer] = [
            Dense(inputCount: latentCount + classCount, outputCount: 256, generator: &generator),
            ReLU(),
            Dense(inputCount: 256, outputCount: 1024, generator: &generator),
            ReLU(),
            Reshape([64, 4, 4]),
            ConvTranspose2D(inputChannels: 64, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1, generator: &generator),
            ReLU(),
            ConvTranspose2D(inputChannels: 32, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1, generator: &generator),
            ReLU(),
        ]
        let output = ConvTranspose2D(
            inputChannels: 32, outputChannels: 1, kernelSize: 4, stride: 2, padding: 1, generator: &generator)
        let decoder = Sequential(hidden + [output, Tanh()])
        if meanPixel != 0 {
            output.bias?.value = Tensor(shape: [1], repeating: atanhf(min(max(meanPixel, -0.999), 0.999)))
        }
        return SemiSupervisedVAE(
            encoder: encoder, featureCount: 256, latentCount: latentCount, classCount: classCount,
            decoder: decoder, generator: &generator)
    }

    /// A small fully connected VAE for quick runs and tests.
    ///
    /// Encoder: flatten, dense `pixels` → `hiddenCount` → `hiddenCount` with ReLU. Decoder:
    /// dense `Dz + K` → `hiddenCount` → `hiddenCount` → `pixels` with ReLU between, then
    /// `outputActivation`, reshaped to `imageShape`.
    ///
    /// - Parameters:
    ///   - imageShape: The shape of one image, `[C, H, W]`.
    ///   - hiddenCount: The width of the hidden layers.
    ///   - latentCount: The dimension `Dz` of `z`.
    ///   - classCount: The number of classes `K`.
    ///   - outputActivation: Applied to the decoder's output: `Tanh()` for images in [-1, 1]
    ///     with a squared-error reconstruction, `nil` for logits with a Bernoulli one.
    ///   - generator: The source of the initial weights.
    public static func multilayerPerceptron(
        imageShape: [Int], hiddenCount: Int = 256, latentCount: Int = 10, classCount: Int = 10,
        outputActivation: (any Layer)? = Tanh(), generator: inout RandomGenerator
    ) -> SemiSupervisedVAE {
        let pixels = imageShape.reduce(1, *)
        let encoder = Sequential([
            Flatten(),
            Dense(inputCount: pixels, outputCount: hiddenCount, generator: &generator), ReLU(),
            Dense(inputCount: hiddenCount, outputCount: hiddenCount, generator: &generator), ReLU(),
        ])
        var decoderLayers: [any Layer] = [
            Dense(inputCount: latentCount + classCount, outputCount: hiddenCount, generator: &generator), ReLU(),
            Dense(inputCount: hiddenCount, outputCount: hiddenCount, generator: &generator), ReLU(),
            Dense(inputCount: hiddenCount, outputCount: pixels, generator: &generator),
        ]
        if let outputActivation { decoderLayers.append(outputActivation) }
        decoderLayers.append(Reshape(imageShape))
        return SemiSupervisedVAE(
            encoder: encoder, featureCount: hiddenCount, latentCount: latentCount, classCount: classCount,
            decoder: Sequential(decoderLayers), generator: &generator)
    }
}
