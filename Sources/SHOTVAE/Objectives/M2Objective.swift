/// The M2 model of Kingma et al. (2014): the semi-supervised ELBO plus a weighted
/// classification loss on labeled data, `ew · (R_l + P_l) + a · CE(log α, y)` (Method.md
/// section 2). It is the baseline SHOT-VAE improves on; `a` is
/// ``ObjectiveConfiguration/labeledClassificationWeight``.
open class M2Objective: ELBOObjective {
    /// The labeled half: the ELBO with the one-hot label plus `a` times the label term on
    /// the same pass's posterior. Records `classification` in `terms.labeled`.
    open override func labeledLoss(
        model: SemiSupervisedVAE, batch: LabeledBatch, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> Variable {
        let (pass, evidence) = labeledEvidence(model: model, batch: batch, weights: weights, context: context, terms: &terms)
        let classification = wholeBatchMean(classificationLoss(
            logProbabilities: pass.posterior.logProbabilities,
            targets: LatentSampler.oneHot(batch.labels, classCount: model.classCount)), of: .labeled)
        terms[.labeled].classification = classification.value.scalar
        return evidence * weights.elbo + classification * weights.labeledClassification
    }
}

/// A purely supervised baseline: the label term on labeled data only, `a · CE(log α, y)`;
/// unlabeled data and the decoder are unused.
open class SupervisedObjective: ELBOObjective {
    /// `false`: only labeled batches are used.
    open override var usesUnlabeledData: Bool { false }

    /// `a · CE(log α, y)` on the encoder's posterior. Records `classification` in `terms.labeled`.
    open override func labeledLoss(
        model: SemiSupervisedVAE, batch: LabeledBatch, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> Variable {
        let posterior = model.encode(Variable(batch.images), context: context)
        let classification = wholeBatchMean(classificationLoss(
            logProbabilities: posterior.logProbabilities,
            targets: LatentSampler.oneHot(batch.labels, classCount: model.classCount)), of: .labeled)
        terms[.labeled].classification = classification.value.scalar
        return classification * weights.labeledClassification
    }

    /// Nothing: a supervised model ignores unlabeled data. Returns a constant zero.
    open override func unlabeledLoss(
        model: SemiSupervisedVAE, images: Tensor, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> Variable {
        Variable(Tensor(0))
    }
}
