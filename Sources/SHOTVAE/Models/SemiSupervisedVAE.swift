/// An M2-style semi-supervised VAE: an encoder with a Gaussian head for the continuous latent
/// `z` and a categorical head for the class latent `y`, a sampler, and a decoder of
/// `concat[z, y]` (Method.md section 1).
///
/// The encoder maps an image batch to features `[B, F]`; the decoder maps `[B, Dz + K]` to an
/// output of the images' shape (values or logits, as the objective's reconstruction term
/// expects). Parameter names: `encoder.*`, `continuousHead.*`, `discreteHead.*`, `decoder.*`.
///
/// ```swift
/// var rng = RandomGenerator(seed: 1)
/// let model = SemiSupervisedVAE.mnist(generator: &rng)
/// let labels = model.predict(testImages)          // argmax of α, no sampling
/// ```
open class SemiSupervisedVAE: Layer {
    /// Maps images to features `[B, featureCount]`.
    public let encoder: any Layer
    /// μ and log σ of q(z | x).
    public let continuousHead: GaussianHead
    /// log α = log q(y | x).
    public let discreteHead: CategoricalHead
    /// Maps `concat[z, y]`, `[B, latentCount + classCount]`, to the reconstruction.
    public let decoder: any Layer
    /// Draws `z` and `y`.
    public var sampler: LatentSampler
    /// The dimension `Dz` of `z`.
    public let latentCount: Int
    /// The number of classes `K`.
    public let classCount: Int

    /// The posterior of a batch: q(z | x) = N(μ, σ²) and q(y | x) = Cat(α).
    public struct Posterior {
        /// μ, `[B, Dz]`.
        public var mean: Variable
        /// log σ, `[B, Dz]`.
        public var logSigma: Variable
        /// log α, `[B, K]`.
        public var logProbabilities: Variable
    }

    /// What the decoder receives as `y`.
    public enum ClassInput {
        /// One-hot labels (labeled data).
        case labels([Int])
        /// Given class distributions `[B, K]`, such as mixed one-hot labels.
        case distributions(Tensor)
        /// A Gumbel-softmax sample from the posterior (unlabeled data).
        case sampled
    }

    /// One encoder-sampler-decoder pass.
    public struct Pass {
        /// The posterior of the input.
        public var posterior: Posterior
        /// The sampled continuous latent.
        public var z: Variable
        /// The class input given to the decoder.
        public var y: Variable
        /// The decoder's output.
        public var output: Variable
    }

    /// Creates a model from its parts.
    ///
    /// - Parameters:
    ///   - encoder: Maps images to `[B, featureCount]`.
    ///   - featureCount: The encoder's output width.
    ///   - latentCount: The dimension `Dz` of `z`.
    ///   - classCount: The number of classes `K`.
    ///   - decoder: Maps `[B, latentCount + classCount]` to the reconstruction.
    ///   - sampler: Draws the latents.
    ///   - generator: The source of the heads' initial weights.
    public init(
        encoder: any Layer, featureCount: Int, latentCount: Int, classCount: Int, decoder: any Layer,
        sampler: LatentSampler = LatentSampler(), generator: inout RandomGenerator
    ) {
        precondition(latentCount > 0 && classCount > 1, "A semi-supervised VAE needs Dz > 0 and K > 1.")
        self.encoder = encoder
        continuousHead = GaussianHead(featureCount: featureCount, latentCount: latentCount, generator: &generator)
        discreteHead = CategoricalHead(featureCount: featureCount, classCount: classCount, generator: &generator)
        self.decoder = decoder
        self.sampler = sampler
        self.latentCount = latentCount
        self.classCount = classCount
    }

    /// `encoder`, `continuousHead`, `discreteHead`, `decoder`.
    open var children: [(name: String, layer: any Layer)] {
        [("encoder", encoder), ("continuousHead", continuousHead), ("discreteHead", discreteHead), ("decoder", decoder)]
    }

    /// Whether the encoder, the heads and the decoder all treat examples independently; then
    /// ``reconstruct(_:context:)`` runs several batches as one. A subclass whose passes mix
    /// examples returns `false`.
    open var treatsExamplesIndependently: Bool {
        children.allSatisfy { $0.layer.treatsExamplesIndependently }
    }

    /// The reconstruction of `input` with a sampled class latent.
    open func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        reconstruct(input, classes: .sampled, context: context).output
    }

    /// The posterior of `images`: μ, log σ and log α.
    open func encode(_ images: Variable, context: ForwardContext) -> Posterior {
        let features = encoder(images, context: context)
        let (mean, logSigma) = continuousHead.posterior(features, context: context)
        return Posterior(mean: mean, logSigma: logSigma, logProbabilities: discreteHead(features, context: context))
    }

    /// The decoder's output for latents `z` `[B, Dz]` and class inputs `y` `[B, K]`.
    open func decode(z: Variable, y: Variable, context: ForwardContext) -> Variable {
        decoder(concat([z, y], axis: 1), context: context)
    }

    /// Encodes `images`, samples `z` (and `y` when asked), and decodes.
    ///
    /// - Parameters:
    ///   - images: The input batch.
    ///   - classes: What the decoder receives as `y`.
    ///   - context: The pass's mode; its generator supplies ε and the Gumbel noise.
    open func reconstruct(_ images: Variable, classes: ClassInput, context: ForwardContext) -> Pass {
        let posterior = encode(images, context: context)
        let z = sampler.continuous(
            mean: posterior.mean, logSigma: posterior.logSigma,
            noise: continuousNoise(shape: posterior.mean.shape, context: context))
        let y = classLatent(classes, logProbabilities: posterior.logProbabilities, context: context)
        return Pass(posterior: posterior, z: z, y: y, output: decode(z: z, y: y, context: context))
    }

    /// The decoder's `y` for `classes`, given the posterior's log α (a `.sampled` input draws
    /// its Gumbel noise here).
    func classLatent(_ classes: ClassInput, logProbabilities: Variable, context: ForwardContext) -> Variable {
        switch classes {
        case .labels(let labels):
            return Variable(LatentSampler.oneHot(labels, classCount: classCount))
        case .distributions(let distributions):
            return Variable(distributions)
        case .sampled:
            return sampler.categorical(
                logProbabilities: logProbabilities, gumbel: gumbelNoise(shape: logProbabilities.shape, context: context))
        }
    }

    /// The standard-normal ε of the reparameterization: the context's
    /// ``ForwardContext/latentNoise(_:shape:)`` (the objective's, during a step of the
    /// ``ELBOObjective`` family; otherwise drawn from the context's generator, for the whole
    /// batch when the context's ``ForwardContext/exampleRows`` say the pass holds a share of
    /// it). Override to inject fixed noise (tests do).
    open func continuousNoise(shape: [Int], context: ForwardContext) -> Tensor {
        context.latentNoise(.continuous, shape: shape)
    }

    /// The Gumbel noise of the Gumbel-softmax sample, `g = -log(-log(u + 1e-12) + 1e-12)` of
    /// uniforms `u` from the context as ``continuousNoise(shape:context:)`` gets ε. Override to
    /// inject fixed noise (tests do).
    open func gumbelNoise(shape: [Int], context: ForwardContext) -> Tensor {
        LatentSampler.gumbel(uniforms: context.latentNoise(.categorical, shape: shape))
    }

    /// log α for every image, in inference mode, `batchSize` images at a time.
    public func classLogProbabilities(_ images: Tensor, batchSize: Int = 1000) -> Tensor {
        let count = images.shape[0]
        let imageSize = images.count / max(count, 1)
        var result = Tensor(uninitializedShape: [count, classCount])
        let context = ForwardContext.inference()
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            var batch = Tensor(uninitializedShape: [end - start] + images.shape.dropFirst())
            batch.mutablePointer.update(from: images.pointer + start * imageSize, count: (end - start) * imageSize)
            let logAlpha = encode(Variable(batch), context: context).logProbabilities.value
            (result.mutablePointer + start * classCount).update(from: logAlpha.pointer, count: logAlpha.count)
            start = end
        }
        return result
    }

    /// The predicted class of every image: `argmax α`, without sampling (Method.md section 1).
    public func predict(_ images: Tensor, batchSize: Int = 1000) -> [Int] {
        let logAlpha = classLogProbabilities(images, batchSize: batchSize)
        return (0..<images.shape[0]).map { row in
            let p = logAlpha.pointer + row * classCount
            var best = 0
            for k in 1..<classCount where p[k] > p[best] { best = k }
            return best
        }
    }
}
