/// Batch normalization of `[N, C]` (1-D) or `[N, C, H, W]` (2-D) batches, per channel
/// (Ioffe and Szegedy, 2015), with PyTorch's conventions.
///
/// In training it normalizes with the batch's mean and biased variance, and moves the
/// running statistics towards the batch's: `running = (1 - momentum) · running + momentum ·
/// batch`, with the unbiased variance (momentum 0.1 as in PyTorch, not Keras's 0.99). In
/// inference it uses the running statistics. The running statistics are ``Buffer``s: kept in
/// checkpoints, never seen by optimizers.
///
/// When a training step's batch is divided among processes (``ForwardContext/batchProcesses``),
/// the layer normalizes over the whole batch, as one process would: the per-channel means and
/// variances with their counts, and in the backward pass the two per-channel gradient sums,
/// are combined across the processes, and the running statistics stay equal on all of them.
public final class BatchNorm: Layer {
    /// The scale γ, `[featureCount]`, initially 1.
    public let weight: Parameter
    /// The shift β, `[featureCount]`, initially 0.
    public let bias: Parameter
    /// The running mean, `[featureCount]`, initially 0.
    public let runningMean: Buffer
    /// The running (unbiased) variance, `[featureCount]`, initially 1.
    public let runningVariance: Buffer
    /// The weight of each new batch in the running statistics.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float

    /// Creates a batch-norm layer.
    ///
    /// - Parameters:
    ///   - featureCount: The number of channels `C`.
    ///   - momentum: The weight of each new batch in the running statistics (PyTorch: 0.1).
    ///   - epsilon: Added to the variance before the square root (PyTorch: 1e-5).
    public init(featureCount: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(featureCount > 0, "BatchNorm needs a positive feature count.")
        weight = Parameter(Tensor(shape: [featureCount], repeating: 1))
        bias = Parameter(Tensor(shape: [featureCount], repeating: 0))
        runningMean = Buffer(Tensor(shape: [featureCount], repeating: 0))
        runningVariance = Buffer(Tensor(shape: [featureCount], repeating: 1))
        self.momentum = momentum
        self.epsilon = epsilon
    }

    /// γ and β.
    public var localParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    /// The running mean and variance, under PyTorch's names.
    public var localBuffers: [(name: String, buffer: Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVariance)]
    }

    /// Normalizes `input`; in training, also updates the running statistics.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        batchNorm(
            input, weight: context.variable(weight), bias: context.variable(bias),
            runningMean: &runningMean.value, runningVariance: &runningVariance.value,
            isTraining: context.isTraining, momentum: momentum, epsilon: epsilon,
            processes: context.batchProcesses)
    }

    /// `true`: over a batch divided among processes, the statistics are the whole batch's
    /// (synchronized batch norm).
    public var supportsDividedBatches: Bool { true }
}
