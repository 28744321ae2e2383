/// The plain passes of one step's halves (the labelled batch with its one-hot labels as `y`,
/// the unlabelled batch with a Gumbel-softmax sample), each computed on first request and kept
/// for the rest of the step. When the step has both halves and the model
/// ``Layer/treatsExamplesIndependently``, the first request computes both as one batch.
final class PlainPasses {
    let model: SemiSupervisedVAE
    let labeled: LabeledBatch?
    let unlabeled: Tensor?
    let context: ForwardContext
    /// Whether the two passes run as one batch.
    let joint: Bool
    private var labelledPass: SemiSupervisedVAE.Pass?
    private var unlabelledPass: SemiSupervisedVAE.Pass?

    init(model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, context: ForwardContext) {
        (self.model, self.labeled, self.unlabeled, self.context) = (model, labeled, unlabeled, context)
        joint = labeled != nil && unlabeled != nil && model.treatsExamplesIndependently
    }

    /// The labelled batch's pass, or `nil` if `batch` is not this step's labelled batch.
    func labelled(model: SemiSupervisedVAE, batch: LabeledBatch) -> SemiSupervisedVAE.Pass? {
        guard model === self.model, let labeled, batch.images.storage === labeled.images.storage,
              batch.labels == labeled.labels else { return nil }
        if labelledPass == nil { compute(labelled: true) }
        return labelledPass
    }

    /// The unlabelled batch's pass, or `nil` if `images` is not this step's unlabelled batch.
    func unlabelled(model: SemiSupervisedVAE, images: Tensor) -> SemiSupervisedVAE.Pass? {
        guard model === self.model, let unlabeled, images.storage === unlabeled.storage else { return nil }
        if unlabelledPass == nil { compute(labelled: false) }
        return unlabelledPass
    }

    /// Forgets the labelled pass (its half has been differentiated), so that its graph is freed.
    func releaseLabelled() {
        labelledPass = nil
    }

    private func compute(labelled: Bool) {
        if joint, let labeled, let unlabeled, labelledPass == nil, unlabelledPass == nil {
            let passes = model.reconstruct([(labeled.images, .labels(labeled.labels)), (unlabeled, .sampled)], context: context)
            (labelledPass, unlabelledPass) = (passes[0], passes[1])
        } else if labelled, let labeled {
            labelledPass = model.reconstruct(Variable(labeled.images), classes: .labels(labeled.labels), context: context)
        } else if let unlabeled {
            unlabelledPass = model.reconstruct(Variable(unlabeled), classes: .sampled, context: context)
        }
    }
}
