/// A labelled batch: images and their class labels.
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

/// The value of an objective on one step: the differentiable total and its named terms.
public struct ObjectiveValue {
    /// The loss to call `backward()` on.
    public var total: Variable
    /// Each term's value, named `labelled.reconstruction`, `unlabelled.posteriorMatching`, ...,
    /// in the order they were computed; `total` comes last.
    public var terms: [(name: String, value: Float)]

    /// The value of the term called `name`, if any.
    public subscript(name: String) -> Float? {
        terms.first { $0.name == name }?.value
    }
}

/// The named terms of an objective as they are computed.
public struct ObjectiveTerms {
    /// The terms so far, in order.
    public private(set) var entries: [(name: String, value: Float)] = []

    /// Creates an empty record.
    public init() {}

    /// Records `value` under `part.name` (for example `labelled.reconstruction`).
    public mutating func record(_ part: String, _ name: String, _ value: Variable) {
        entries.append((part + "." + name, value.value.scalar))
    }
}

/// A training objective for a ``SemiSupervisedVAE``: the loss of one step over one labelled
/// and one unlabelled batch (PAPER.md sections 2-4).
///
/// The library's objectives are open classes (``ELBOObjective``, ``M2Objective``,
/// ``SmoothELBOObjective``, ``SHOTObjective``, ``SupervisedObjective``) whose hooks a subclass
/// overrides to change one idea; see the DocC article "Writing your own objective".
public protocol VariationalObjective: AnyObject {
    /// Whether the objective reads unlabelled batches; the trainer skips loading them if not.
    var usesUnlabeledData: Bool { get }

    /// The loss of one training step and its named terms.
    ///
    /// - Parameters:
    ///   - model: The model to run.
    ///   - labeled: The labelled batch, if any.
    ///   - unlabeled: The unlabelled images `[B, C, H, W]`, if any.
    ///   - progress: Where training stands; schedules are evaluated there.
    ///   - context: The pass's mode; every random draw comes from its generator.
    func loss(
        model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
        context: ForwardContext
    ) -> ObjectiveValue
}
