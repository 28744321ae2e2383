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
