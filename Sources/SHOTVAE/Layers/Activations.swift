/// `max(x, 0)` elementwise.
public final class ReLU: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// Creates the layer.
    public init() {}
    /// Applies the rectifier.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable { input.relu() }
}

/// `x` for positive `x`, `negativeSlope · x` otherwise.
public final class LeakyReLU: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// The slope for negative inputs.
    public let negativeSlope: Float
    /// Creates the layer; the paper's WideResNet uses a slope of 0.1.
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }
    /// Applies the leaky rectifier.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        input.leakyReLU(negativeSlope: negativeSlope)
    }
}

/// The hyperbolic tangent elementwise.
public final class Tanh: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// Creates the layer.
    public init() {}
    /// Applies tanh.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable { input.tanh() }
}

/// The logistic sigmoid elementwise.
public final class Sigmoid: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// Creates the layer.
    public init() {}
    /// Applies the sigmoid.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable { input.sigmoid() }
}

/// Inverted dropout: in training, zeroes each element with probability `probability` and
/// scales the others by `1 / (1 - probability)`; in inference, the identity.
///
/// The mask comes from the context's generator, so a seed reproduces it.
public final class Dropout: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// The probability of dropping an element.
    public let probability: Float

    /// Creates the layer.
    ///
    /// - Parameter probability: The probability of dropping an element, in `[0, 1)`.
    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "Dropout probability must be in [0, 1), got \(probability).")
        self.probability = probability
    }

    /// Drops elements in training; passes `input` through in inference.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        guard context.isTraining, probability > 0 else { return input }
        var mask = Tensor(bernoulli: input.shape, probability: 1 - probability, generator: &context.generator)
        mask = mask.scaled(by: 1 / (1 - probability))
        return input * Variable(mask)
    }
}
