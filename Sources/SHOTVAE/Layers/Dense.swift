/// A fully connected layer, `y = x Wᵀ + b`, with PyTorch's weight layout `[out, in]`.
public final class Dense: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// The weight, `[outputCount, inputCount]`.
    public let weight: Parameter
    /// The bias, `[outputCount]`, or `nil`.
    public let bias: Parameter?

    /// Creates a dense layer with PyTorch's default initialisation (or `initializer`).
    ///
    /// - Parameters:
    ///   - inputCount: Features per input row.
    ///   - outputCount: Features per output row.
    ///   - hasBias: Whether to add a learned bias.
    ///   - initializer: How to draw the weight.
    ///   - generator: The source of the initial values.
    public init(
        inputCount: Int, outputCount: Int, hasBias: Bool = true,
        initializer: WeightInitializer = .pytorchDefault, generator: inout RandomGenerator
    ) {
        precondition(inputCount > 0 && outputCount > 0, "Dense needs positive sizes, got \(inputCount) -> \(outputCount).")
        weight = Parameter(initializer.makeWeight(shape: [outputCount, inputCount], generator: &generator))
        bias = hasBias
            ? Parameter(WeightInitializer.pytorchBias(count: outputCount, fanIn: inputCount, generator: &generator))
            : nil
    }

    /// The weight and, if present, the bias.
    public var localParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Maps `[B, inputCount]` to `[B, outputCount]`.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        linear(input, weight: context.variable(weight), bias: bias.map(context.variable))
    }
}
