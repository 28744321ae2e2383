/// The M2 model of Kingma et al. (2014): the semi-supervised ELBO plus a weighted
/// classification loss on labelled data, `ew · (R_l + P_l) + a · CE(log α, y)` (PAPER.md
/// section 2). It is the baseline SHOT-VAE improves on; `a` is
/// ``ObjectiveConfiguration/labelledClassificationWeight``.
open class M2Objective: ELBOObjective {
    /// The labelled half: the ELBO with the one-hot label plus `a` times the label term on
    /// the same pass's posterior. Records `classification` under `labelled`.
    open override func labelledLoss(
        model: SemiSupervisedVAE, batch: LabeledBatch, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout ObjectiveTerms
    ) -> Variable {
        let (pass, evidence) = labelledEvidence(model: model, batch: batch, weights: weights, context: context, terms: &terms)
        let classification = classificationLoss(
            logProbabilities: pass.posterior.logProbabilities,
            targets: LatentSampler.oneHot(batch.labels, classCount: model.classCount))
        terms.record("labelled", "classification", classification)
        return evidence * weights.elbo + classification * weights.labelledClassification
    }
}

/// A purely supervised baseline: the label term on labelled data only, `a · CE(log α, y)`;
/// unlabelled data and the decoder are unused.
open class SupervisedObjective: ELBOObjective {
    /// `false`: only labelled batches are used.
    open override var usesUnlabeledData: Bool { false }

    /// `a · CE(log α, y)` on the encoder's posterior. Records `classification` under `labelled`.
    open override func labelledLoss(
        model: SemiSupervisedVAE, batch: LabeledBatch, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout ObjectiveTerms
    ) -> Variable {
        let posterior = model.encode(Variable(batch.images), context: context)
        let classification = classificationLoss(
            logProbabilities: posterior.logProbabilities,
            targets: LatentSampler.oneHot(batch.labels, classCount: model.classCount))
        terms.record("labelled", "classification", classification)
        return classification * weights.labelledClassification
    }

    /// Nothing: a supervised model ignores unlabelled data. Returns a constant zero.
    open override func unlabelledLoss(
        model: SemiSupervisedVAE, images: Tensor, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout ObjectiveTerms
    ) -> Variable {
        Variable(Tensor(0))
    }
}
