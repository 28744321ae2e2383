/// The plain passes of one step's halves (the labeled batch with its one-hot labels as `y`,
/// the unlabeled batch with a Gumbel-softmax sample), each computed on first request and kept
/// for the rest of the step. When the step has both halves and the model
/// ``Layer/treatsExamplesIndependently``, the first request computes both as one batch.
final class PlainPasses {
    let model: SemiSupervisedVAE
    let labeled: LabeledBatch?
    let unlabeled: Tensor?
    let context: ForwardContext
    /// Whether the two passes run as one batch.
    let joint: Bool
    private var labeledPass: SemiSupervisedVAE.Pass?
    private var unlabeledPass: SemiSupervisedVAE.Pass?

    init(model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, context: ForwardContext) {
        (self.model, self.labeled, self.unlabeled, self.context) = (model, labeled, unlabeled, context)
        joint = labeled != nil && unlabeled != nil && model.treatsExamplesIndependently
    }

    /// The labeled batch's pass, or `nil` if `batch` is not this step's labeled batch.
    func labeled(model: SemiSupervisedVAE, batch: LabeledBatch) -> SemiSupervisedVAE.Pass? {
        guard model === self.model, let labeled, batch.images.storage === labeled.images.storage,
              batch.labels == labeled.labels else { return nil }
        if labeledPass == nil { compute(labeledHalf: true) }
        return labeledPass
    }

    /// The unlabeled batch's pass, or `nil` if `images` is not this step's unlabeled batch.
    func unlabeled(model: SemiSupervisedVAE, images: Tensor) -> SemiSupervisedVAE.Pass? {
        guard model === self.model, let unlabeled, images.storage === unlabeled.storage else { return nil }
        if unlabeledPass == nil { compute(labeledHalf: false) }
        return unlabeledPass
    }

    /// Forgets the labeled pass (its half has been differentiated), so that its graph is freed.
    func releaseLabeled() {
        labeledPass = nil
    }

    /// Computes the requested pass (or both as one batch); in a step spread over several
    /// processes, each half's per-example draws are made for its whole batch.
    private func compute(labeledHalf: Bool) {
        let labeledRows = labeled == nil ? nil : context.shard?.rows(of: .labeled)
        let unlabeledRows = unlabeled == nil ? nil : context.shard?.rows(of: .unlabeled)
        if joint, let labeled = self.labeled, let unlabeled = self.unlabeled, labeledPass == nil, unlabeledPass == nil {
            let passes = model.reconstruct(
                [(labeled.images, .labels(labeled.labels)), (unlabeled, .sampled)], rows: [labeledRows, unlabeledRows],
                context: context)
            (labeledPass, unlabeledPass) = (passes[0], passes[1])
        } else if labeledHalf, let labeled = self.labeled {
            labeledPass = context.withExampleRows(labeledRows) {
                model.reconstruct(Variable(labeled.images), classes: .labels(labeled.labels), context: context)
            }
        } else if let unlabeled = self.unlabeled {
            unlabeledPass = context.withExampleRows(unlabeledRows) {
                model.reconstruct(Variable(unlabeled), classes: .sampled, context: context)
            }
        }
    }
}
