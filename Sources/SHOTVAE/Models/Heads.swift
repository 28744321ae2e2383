/// The Gaussian posterior head: two linear maps from the encoder's features to the mean μ
/// and the log standard deviation log σ of q(z | x) (Method.md section 1).
public final class GaussianHead: Layer {
    /// The map to μ.
    public let mean: Dense
    /// The map to log σ (the log standard deviation, not the log variance).
    public let logSigma: Dense

    /// Creates the head.
    ///
    /// - Parameters:
    ///   - featureCount: Features per example produced by the encoder.
    ///   - latentCount: The dimension `Dz` of `z`.
    ///   - generator: The source of the initial weights.
    public init(featureCount: Int, latentCount: Int, generator: inout RandomGenerator) {
        mean = Dense(inputCount: featureCount, outputCount: latentCount, generator: &generator)
        logSigma = Dense(inputCount: featureCount, outputCount: latentCount, generator: &generator)
    }

    /// `mean` and `logSigma`.
    public var children: [(name: String, layer: any Layer)] { [("mean", mean), ("logSigma", logSigma)] }

    /// The mean; use ``posterior(_:context:)`` for both outputs.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        mean(input, context: context)
    }

    /// μ and log σ of q(z | x), each `[B, latentCount]`.
    public func posterior(_ features: Variable, context: ForwardContext) -> (mean: Variable, logSigma: Variable) {
        (mean(features, context: context), logSigma(features, context: context))
    }
}

/// The categorical posterior head: a linear map to the class logits followed by a
/// log-softmax, giving log α = log q(y | x) (Method.md section 1).
public final class CategoricalHead: Layer {
    /// The map to the class logits.
    public let logits: Dense

    /// Creates the head.
    ///
    /// - Parameters:
    ///   - featureCount: Features per example produced by the encoder.
    ///   - classCount: The number of classes `K`.
    ///   - generator: The source of the initial weights.
    public init(featureCount: Int, classCount: Int, generator: inout RandomGenerator) {
        logits = Dense(inputCount: featureCount, outputCount: classCount, generator: &generator)
    }

    /// `logits`.
    public var children: [(name: String, layer: any Layer)] { [("logits", logits)] }

    /// log α, `[B, classCount]`.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        logits(input, context: context).logSoftmax()
    }
}
