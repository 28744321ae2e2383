/// A labeled batch: images and their class labels.
public struct LabeledBatch: Sendable {
    /// The images, `[B, C, H, W]`.
    public var images: Tensor
    /// One label per image, in `0..<K`.
    public var labels: [Int]

    /// Creates a batch.
    public init(images: Tensor, labels: [Int]) {
        precondition(images.shape.first == labels.count, "\(labels.count) labels for images of shape \(images.shape).")
        self.images = images
        self.labels = labels
    }
}

/// The value of an objective on one step: the differentiable total and the values of its
/// parts.
public struct ObjectiveValue {
    /// The loss to call `backward()` on.
    public var total: Variable
    /// The values of the loss and its parts; `terms.total` is `total`'s value.
    public var terms: LossTerms

    /// Creates a value.
    public init(total: Variable, terms: LossTerms) {
        self.total = total
        self.terms = terms
    }
}

/// A training objective for a ``SemiSupervisedVAE``: the loss of one step over one labeled
/// and one unlabeled batch (Method.md sections 2-4).
///
/// The library's objectives are open classes (``ELBOObjective``, ``M2Objective``,
/// ``SmoothELBOObjective``, ``SHOTObjective``, ``SupervisedObjective``) whose hooks a subclass
/// overrides to change one idea; see the DocC article "Writing your own objective".
public protocol VariationalObjective: AnyObject {
    /// Whether the objective reads unlabeled batches; the trainer skips loading them if not.
    var usesUnlabeledData: Bool { get }

    /// The loss of one training step and its named terms.
    ///
    /// - Parameters:
    ///   - model: The model to run.
    ///   - labeled: The labeled batch, if any.
    ///   - unlabeled: The unlabeled images `[B, C, H, W]`, if any.
    ///   - progress: Where training stands; schedules are evaluated there.
    ///   - context: The pass's mode; every random draw comes from its generator.
    func loss(
        model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
        context: ForwardContext
    ) -> ObjectiveValue

    /// Evaluates the loss of one step and adds its gradient to every parameter's gradient;
    /// returns the values of the loss and its parts.
    ///
    /// The result equals `loss(...)` followed by `total.backward()`, which is what the default
    /// implementation does. An objective whose loss is a sum of parts can instead
    /// differentiate each part as soon as it is computed, so that only one part's graph (its
    /// activations) is in memory at a time; ``ELBOObjective`` does so for the labeled and
    /// the unlabeled half, as the paper's code does. The last part's backward pass goes through
    /// ``ForwardContext/finalBackward(_:)``, which in a step divided among processes sums the
    /// gradients across them while the pass runs; an implementation that does not call it is
    /// still correct, its gradients summed after it returns.
    func accumulateGradients(
        model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
        context: ForwardContext
    ) -> LossTerms

    /// How the decoder's output relates to pixels, for drawing reconstructions and samples.
    var reconstructionLikelihood: ReconstructionLikelihood { get }

    /// Whether the objective can compute its share of a step spread over several processes:
    /// given this process's rows of the step's batches and the context's
    /// ``ForwardContext/shard``, it averages over the whole batch, takes mixing partners from
    /// it, and leaves per-example draws to the context (see ``BatchShard``). ``Trainer``
    /// refuses to spread a run over several processes otherwise. By default `false`; `true`
    /// for ``ELBOObjective`` and its subclasses.
    var supportsDividedBatches: Bool { get }
}

extension VariationalObjective {
    /// `loss(...)`, then one backward pass of its total (``ForwardContext/finalBackward(_:)``).
    public func accumulateGradients(
        model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
        context: ForwardContext
    ) -> LossTerms {
        let value = loss(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context)
        context.finalBackward(value.total)
        return value.terms
    }

    /// Bernoulli: the decoder's outputs are logits of pixel intensities.
    public var reconstructionLikelihood: ReconstructionLikelihood { .bernoulli }

    /// `false`: an objective computes whole batches unless it says otherwise.
    public var supportsDividedBatches: Bool { false }
}
