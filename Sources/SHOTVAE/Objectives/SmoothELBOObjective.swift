#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The smooth-ELBO (Method.md section 3): on labeled data, the ELBO with the one-hot label
/// plus a mixup-smoothed label term and posterior matching, so that the ELBO itself uses
/// the labels. Unlabeled data get the plain ELBO.
///
/// For a labeled batch `(x, y)`:
///
/// 1. A pass with the one-hot `y` gives `R_l`, `P_l` and the posterior `μ, σ, α`.
/// 2. `λ ~ Beta(ε, ε)` with `ε = 0.1` and a random permutation `idx`; without gradient,
///    `x~ = λ x + (1 - λ) x[idx]`, `μ~` and `σ~` likewise (on σ, not log σ).
/// 3. The encoder's posterior of `x~`: `μ', log σ', log α'`. (The decoder's reconstruction of
///    `x~`, with the mixed label as `y`, is not part of the loss and is not computed.)
/// 4. `Dd = λ CE(log α', y) + (1 - λ) CE(log α', y[idx])`,
///    `Dc = (Σ (μ' - μ~)² + Σ (exp(log σ') - σ~)²) / B`.
/// 5. `L_l = ew · (R_l + P_l + bc · pw · Dc) + a · Dd` (the paper: `a = 1`).
open class SmoothELBOObjective: ELBOObjective {
    /// The smoothed labeled half. Records `reconstruction`, `continuousKL`, `discreteKL`,
    /// `posteriorMatching` (`Dc`) and `classification` (`Dd`) in `terms.labeled`.
    open override func labeledLoss(
        model: SemiSupervisedVAE, batch: LabeledBatch, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> Variable {
        let (pass, evidence) = labeledEvidence(model: model, batch: batch, weights: weights, context: context, terms: &terms)
        let wholeLabels = stepShard?.wholeLabeled?.labels ?? batch.labels
        let own = ownRows(of: .labeled, ownCount: batch.labels.count)
        let lambda = labeledMixingCoefficient(generator: &context.generator)
        let partners = labeledPartners(count: wholeLabels.count, generator: &context.generator)
        let (mixed, matching) = interpolatedPosterior(
            model: model, images: batch.images, of: pass.posterior, partners: partners, coefficient: lambda,
            part: .labeled, context: context)
        // Dd = λ CE(log α', y) + (1 - λ) CE(log α', y[idx]) = CE(log α', λ y + (1 - λ) y[idx])
        let mixedLabels = LatentSampler.mixedOneHot(
            wholeLabels, partners: partners, coefficient: lambda, classCount: model.classCount).rows(Array(own))
        let classification = wholeBatchMean(
            classificationLoss(logProbabilities: mixed.logProbabilities, targets: mixedLabels), of: .labeled)
        terms[.labeled].posteriorMatching = matching.value.scalar
        terms[.labeled].classification = classification.value.scalar
        return (evidence + matching * (weights.continuousKL * weights.posteriorMatching)) * weights.elbo
            + classification * weights.labeledClassification
    }

    /// The labeled mixing coefficient, `λ ~ Beta(ε, ε)` with the configured `ε` (0.1).
    open func labeledMixingCoefficient(generator: inout RandomGenerator) -> Float {
        generator.nextBeta(configuration.labeledMixing, configuration.labeledMixing)
    }

    /// Each labeled example's partner: a random permutation of the (whole) batch.
    open func labeledPartners(count: Int, generator: inout RandomGenerator) -> [Int] {
        generator.permutation(count)
    }

    /// The encoder's posterior of the mixed inputs `λ x + (1 - λ) x[partners]` and the posterior
    /// matching `Dc` against the same mix of `posterior`'s μ and σ (sections 3 and 4). The mix is
    /// built without gradient; the decoder does not run (its output is not part of the loss).
    ///
    /// - Parameters:
    ///   - images: This process's images of `part` (the whole batch in one process).
    ///   - posterior: Their posterior.
    ///   - partners: A partner in the whole batch for each example of the whole batch.
    ///   - part: The half the images belong to: in a step spread over several processes, the
    ///     partners' images and posteriors are taken from its whole batch.
    /// - Returns: The posterior of this process's mixed inputs, and `Dc` averaged over the
    ///   whole batch.
    public func interpolatedPosterior(
        model: SemiSupervisedVAE, images: Tensor, of posterior: SemiSupervisedVAE.Posterior, partners: [Int],
        coefficient lambda: Float, part: LossTerms.Part, context: ForwardContext
    ) -> (mixed: SemiSupervisedVAE.Posterior, matching: Variable) {
        let ownPartners = Array(partners[ownRows(of: part, ownCount: images.shape[0])])
        func mix(_ own: Tensor, whole: Tensor) -> Tensor {
            Interpolation.mix(own, with: whole, partners: ownPartners, coefficient: lambda)
        }
        let mixedImages = mix(images, whole: wholeImages(images, of: part))
        let targetMean = mix(posterior.mean.value, whole: wholeBatch(posterior.mean.value, of: part))
        let sigma = posterior.logSigma.value.map(vector: { Kernels.lanes($0, expf) }, scalar: expf,
                                                 grain: Tensor.transcendentalGrain)
        let targetSigma = mix(sigma, whole: wholeBatch(sigma, of: part))
        let mixed = context.withLatentOrigin(LatentDraw.Origin(part: part, pass: .interpolated)) {
            model.encode(Variable(mixedImages), context: context)
        }
        return (mixed, wholeBatchMean(posteriorMatchingLoss(mixed, targetMean: targetMean, targetSigma: targetSigma), of: part))
    }

    /// `Dc = (Σ (μ' - μ~)² + Σ (exp(log σ') - σ~)²) / B`: the posterior of a mixed input against
    /// the mix of the posteriors (sections 3 and 4).
    open func posteriorMatchingLoss(
        _ mixed: SemiSupervisedVAE.Posterior, targetMean: Tensor, targetSigma: Tensor
    ) -> Variable {
        meanSquaredError(prediction: mixed.mean, targets: targetMean, reduction: .batchMean)
            + meanSquaredError(prediction: mixed.logSigma.exp(), targets: targetSigma, reduction: .batchMean)
    }
}
