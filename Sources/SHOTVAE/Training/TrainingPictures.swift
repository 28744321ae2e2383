import Foundation

/// Pictures of what a model has learned, which the ``Trainer`` draws into its output folder
/// at the end of every epoch (``Trainer/pictures``).
public protocol TrainingPictures {
    /// Draws `model` into `folder` and returns the names of the files written.
    ///
    /// - Parameters:
    ///   - model: The model, in its current state.
    ///   - test: The test set, from which pictures may take examples.
    ///   - folder: The run's output folder.
    /// - Throws: ``SHOTVAEError`` when a file cannot be written.
    func draw(model: SemiSupervisedVAE, test: LabeledImages, into folder: URL) throws -> [String]
}

/// The decoder's pictures: `reconstructions.png` (test images above their reconstructions,
/// decoded from `z = μ` and `y = α` without sampling) and `samples.png` (one row per class,
/// each image decoded from `z ~ N(0, I)` and that class).
public struct DecoderPictures: TrainingPictures {
    /// How the decoder's output relates to pixels.
    public var likelihood: ReconstructionLikelihood
    /// The range of the images' values: `-1...1` or `0...1`.
    public var imageRange: ClosedRange<Float>
    /// The seed of the samples' `z`; the same seed draws the same `z` every epoch.
    public var seed: UInt64
    /// Test images shown with their reconstructions.
    public var reconstructionCount: Int
    /// Samples drawn for each class.
    public var samplesPerClass: Int

    /// Creates the pictures.
    public init(
        likelihood: ReconstructionLikelihood, imageRange: ClosedRange<Float>, seed: UInt64,
        reconstructionCount: Int = 10, samplesPerClass: Int = 10
    ) {
        self.likelihood = likelihood
        self.imageRange = imageRange
        self.seed = seed
        self.reconstructionCount = reconstructionCount
        self.samplesPerClass = samplesPerClass
    }

    /// Writes `reconstructions.png` and `samples.png`.
    public func draw(model: SemiSupervisedVAE, test: LabeledImages, into folder: URL) throws -> [String] {
        let images = test.images(at: Array(0..<min(reconstructionCount, test.count)))
        try ImageGrid(rows: [images, displayable(reconstructions(model: model, images: images))], valueRange: imageRange)
            .write(to: folder.appendingPathComponent("reconstructions.png"))
        try ImageGrid(rows: samples(model: model), valueRange: imageRange)
            .write(to: folder.appendingPathComponent("samples.png"))
        return ["reconstructions.png", "samples.png"]
    }

    /// The decoder's output for each image's posterior mean and class probabilities.
    func reconstructions(model: SemiSupervisedVAE, images: Tensor) -> Tensor {
        let context = ForwardContext.inference()
        let posterior = model.encode(Variable(images), context: context)
        return model.decode(z: posterior.mean, y: posterior.logProbabilities.exp(), context: context).value
    }

    /// One row per class, each image decoded from `z ~ N(0, I)` and that class.
    func samples(model: SemiSupervisedVAE) -> [Tensor] {
        var generator = RandomGenerator(seed: seed)
        let context = ForwardContext.inference()
        let z = Tensor(normal: [samplesPerClass, model.latentCount], generator: &generator)
        return (0..<model.classCount).map { k in
            let y = LatentSampler.oneHot(Array(repeating: k, count: samplesPerClass), classCount: model.classCount)
            return displayable(model.decode(z: Variable(z), y: Variable(y), context: context).value)
        }
    }

    /// Decoder output on the images' scale: the sigmoid of Bernoulli logits, values otherwise.
    func displayable(_ output: Tensor) -> Tensor {
        switch likelihood {
        case .bernoulli: return Variable(output).sigmoid().value
        case .gaussian: return output
        }
    }
}
