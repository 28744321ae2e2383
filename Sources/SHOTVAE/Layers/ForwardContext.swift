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
    /// In a training step spread over several processes, the step's whole batches and the
    /// rows this process computes; `nil` in one process.
    public var shard: BatchShard?
    /// The rows of the whole batch that the current pass holds, when the step is spread over
    /// several processes: per-example draws (ε, Gumbel noise, dropout masks) are then made
    /// for the whole batch and the pass keeps its rows (``perExampleDraw(_:_:)``). `nil`
    /// draws for the pass's own batch only.
    public var exampleRows: BatchRows?

    /// Who supplies the latent noise of the model's sampling (`ε` and the Gumbel-softmax
    /// uniforms) in this pass: the objective computing the step (``ELBOObjective`` sets
    /// itself), or `nil` for draws from ``generator``. See ``latentNoise(_:shape:)``.
    public var latentNoiseSource: (any LatentNoiseSource)?
    /// The half and pass of the step that the current draws are made in, as the objective
    /// names them (``withLatentOrigin(_:_:)``); `nil` outside a named pass.
    public var latentOrigin: LatentDraw.Origin?

    /// The processes among which this training pass's batch is divided, when it is: layers
    /// whose outputs depend on statistics over the batch (``BatchNorm``) combine theirs across
    /// these processes, with a collective call that every process makes in the same order.
    /// `nil` in inference and in one process.
    public var batchProcesses: (any Communicator)? {
        guard isTraining, let shard, shard.communicator.size > 1 else { return nil }
        return shard.communicator
    }

    /// In a training step divided among processes, the buckets in which the step's gradients
    /// are summed across the processes during its last backward pass
    /// (``finalBackward(_:)``); `nil` otherwise.
    public var gradientBuckets: GradientBuckets?

    /// Differentiates the step's last loss part, `loss.backward()`: when the step is divided
    /// among processes (``gradientBuckets``), each bucket of gradients starts its sum across
    /// the processes as soon as the backward pass has completed it, overlapping the rest of the
    /// pass. Call it for the last part only, after every other part's `backward()`: a bucket
    /// summed earlier would miss the later parts' contributions.
    public func finalBackward(_ loss: Variable) {
        loss.backward(gradient: nil, reportingTo: gradientBuckets)
    }

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

    /// A tensor of per-example random values of `shape` (`[B, ...]`, one row per example of
    /// the pass), drawn by `draw` from ``generator``. When ``exampleRows`` divides a whole
    /// batch among processes, `draw` makes the whole batch's rows and the pass keeps its own,
    /// so that every example gets the draws it would get in one process.
    public func perExampleDraw(_ shape: [Int], _ draw: ([Int], inout RandomGenerator) -> Tensor) -> Tensor {
        guard let rows = exampleRows, !rows.isWhole else { return draw(shape, &generator) }
        precondition(shape.first == rows.own.count, "A pass over \(rows.own.count) examples draws rows of shape \(shape).")
        let whole = draw([rows.wholeCount] + shape.dropFirst(), &generator)
        return whole.rows(Array(rows.own))
    }

    /// The noise for one latent draw of `shape` in the current pass: asked of
    /// ``latentNoiseSource`` with the draw's ``latentOrigin``, or the library's draw from
    /// ``generator`` when there is no source (``LatentDraw/standardDraw(context:)``).
    public func latentNoise(_ latent: LatentDraw.Latent, shape: [Int]) -> Tensor {
        let draw = LatentDraw(latent: latent, origin: latentOrigin, shape: shape)
        guard let source = latentNoiseSource else { return draw.standardDraw(context: self) }
        let noise = switch latent {
        case .continuous: source.reparameterizationNoise(for: draw, context: self)
        case .categorical: source.gumbelUniforms(for: draw, context: self)
        }
        precondition(noise.shape == shape, "The \(latent) noise of \(draw.origin.map { "the \($0.part) half's \($0.pass) pass" } ?? "a pass") has shape \(noise.shape), not \(shape).")
        return noise
    }

    /// Runs `body` with ``latentOrigin`` set to `origin` (the draws of its passes are then
    /// described as made there), then restores it. A subclass of an objective names its own
    /// passes with it.
    public func withLatentOrigin<Result>(_ origin: LatentDraw.Origin?, _ body: () throws -> Result) rethrows -> Result {
        let saved = latentOrigin
        latentOrigin = origin
        defer { latentOrigin = saved }
        return try body()
    }

    /// Runs `body` with ``exampleRows`` set to `rows`, then restores it.
    func withExampleRows<Result>(_ rows: BatchRows?, _ body: () -> Result) -> Result {
        let saved = exampleRows
        exampleRows = rows
        defer { exampleRows = saved }
        return body()
    }

    /// The variable through which a layer uses `parameter` in this pass: the parameter's own
    /// leaf when recording gradients, a constant with the same value otherwise.
    public func variable(_ parameter: Parameter) -> Variable {
        recordsGradients ? parameter.variable : Variable(parameter.value)
    }
}
