/// What a forward pass needs besides its input: training or inference, whether to record
/// the graph for gradients, and the random generator for dropout and sampling.
///
/// A context is passed explicitly to every layer call; there is no global training flag.
///
/// ```swift
/// let training = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 1))
/// let loss = model(x, context: training) ...
/// let evaluation = ForwardContext.inference()
/// let prediction = model(x, context: evaluation)   // no graph, batch-norm running statistics
/// ```
public final class ForwardContext {
    /// Whether layers behave as in training: batch statistics in batch norm (and updating
    /// the running statistics), active dropout.
    public var isTraining: Bool
    /// Whether the pass records the graph so that gradients can flow to parameters. When
    /// `false`, parameters enter as constants and the pass builds no graph at all.
    public var recordsGradients: Bool
    /// The source of every random draw of the pass.
    public var generator: RandomGenerator

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - isTraining: Training (`true`) or inference behaviour of layers.
    ///   - recordsGradients: Whether to record the graph; by default, in training only.
    ///   - generator: The source of every random draw of the pass.
    public init(isTraining: Bool, recordsGradients: Bool? = nil, generator: RandomGenerator) {
        self.isTraining = isTraining
        self.recordsGradients = recordsGradients ?? isTraining
        self.generator = generator
    }

    /// A context for evaluation: inference behaviour, no graph, a fixed-seed generator.
    public static func inference(seed: UInt64 = 0) -> ForwardContext {
        ForwardContext(isTraining: false, recordsGradients: false, generator: RandomGenerator(seed: seed))
    }

    /// The variable through which a layer uses `parameter` in this pass: the parameter's own
    /// leaf when recording gradients, a constant with the same value otherwise.
    public func variable(_ parameter: Parameter) -> Variable {
        recordsGradients ? parameter.variable : Variable(parameter.value)
    }
}
