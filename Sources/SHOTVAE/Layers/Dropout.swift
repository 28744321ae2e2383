
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
        var mask = context.perExampleDraw(input.shape) { Tensor(bernoulli: $0, probability: 1 - probability, generator: &$1) }
        mask = mask.scaled(by: 1 / (1 - probability))
        return input * Variable(mask)
    }
}
