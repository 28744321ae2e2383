/// Flattens every axis after the first: `[N, d1, d2, ...]` becomes `[N, d1·d2·...]`.
public final class Flatten: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// Creates the layer.
    public init() {}
    /// Flattens the input.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable { input.flattened() }
}

/// Reshapes each example: `[N, ...]` becomes `[N] + shape`.
public final class Reshape: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// The shape of one example.
    public let shape: [Int]
    /// Creates the layer.
    ///
    /// - Parameter shape: The shape of one example, for example `[64, 4, 4]`.
    public init(_ shape: [Int]) { self.shape = shape }
    /// Reshapes the input.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        input.reshaped(to: [input.shape[0]] + shape)
    }
}

/// The mean over each feature map: `[N, C, H, W]` becomes `[N, C]`.
public final class GlobalAveragePooling: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// Creates the layer.
    public init() {}
    /// Pools the input.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        input.globalAveragePooled()
    }
}
