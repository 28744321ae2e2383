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

    /// Where a half's plain pass draws its latents.
    static func origin(_ part: LossTerms.Part) -> LatentDraw.Origin { LatentDraw.Origin(part: part, pass: .plain) }

    /// Forgets the labeled pass (its half has been differentiated), so that its graph is freed.
    func releaseLabeled() {
        labeledPass = nil
    }

    /// Computes the requested pass (or both as one batch); in a step spread over several
    /// processes, each half's per-example draws are made for its whole batch. Each half's
    /// draws are described as its plain pass's (``LatentDraw/Pass/plain``).
    private func compute(labeledHalf: Bool) {
        let labeledRows = labeled == nil ? nil : context.shard?.rows(of: .labeled)
        let unlabeledRows = unlabeled == nil ? nil : context.shard?.rows(of: .unlabeled)
        if joint, let labeled = self.labeled, let unlabeled = self.unlabeled, labeledPass == nil, unlabeledPass == nil {
            let passes = model.reconstruct(
                [(labeled.images, .labels(labeled.labels)), (unlabeled, .sampled)], rows: [labeledRows, unlabeledRows],
                origins: [Self.origin(.labeled), Self.origin(.unlabeled)], context: context)
            (labeledPass, unlabeledPass) = (passes[0], passes[1])
        } else if labeledHalf, let labeled = self.labeled {
            labeledPass = model.reconstruct(
                [(labeled.images, .labels(labeled.labels))], rows: [labeledRows], origins: [Self.origin(.labeled)],
                context: context)[0]
        } else if let unlabeled = self.unlabeled {
            unlabeledPass = model.reconstruct(
                [(unlabeled, .sampled)], rows: [unlabeledRows], origins: [Self.origin(.unlabeled)], context: context)[0]
        }
    }
}
