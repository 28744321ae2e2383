#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHOT-VAE (Method.md sections 3 and 4): the smooth-ELBO on labeled data and optimal
/// interpolation on unlabeled data.
///
/// For an unlabeled batch `x`:
///
/// 1. A pass with a Gumbel-softmax `y` gives `R_u`, `P_u` and the posterior `μ, σ, α`.
/// 2. `λ ~ Beta(2, 2)` and a partner for each example (a random permutation, or the
///    "optimal match": the example with the closest continuous posterior); without gradient,
///    `x^ = λ x + (1 - λ) x[idx]`, and the same mix of `μ`, `σ` and the probabilities `α`.
/// 3. The encoder's posterior of `x^`: `μ', log σ', log α'`.
/// 4. `Du = CE(log α', α^)` against the mixed probabilities, `Dc` as in section 3.
/// 5. `L_u = ew · (R_u + P_u + bc · pw · Dc) + ucw · Du`.
///
/// Subclass and override ``unlabeledMixingCoefficient(generator:)`` or
/// ``unlabeledPartners(posterior:generator:)`` to try another mixing distribution or
/// partner choice.
open class SHOTObjective: SmoothELBOObjective {
    /// The interpolated unlabeled half. Records `reconstruction`, `continuousKL`,
    /// `discreteKL`, `posteriorMatching` (`Dc`) and `classification` (`Du`) in `terms.unlabeled`.
    open override func unlabeledLoss(
        model: SemiSupervisedVAE, images: Tensor, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> Variable {
        let pass = unlabeledPass(model: model, images: images, context: context)
        let evidence = evidenceLoss(pass, images: images, weights: weights, part: .unlabeled, terms: &terms)

        let whole = wholePosterior(pass.posterior, of: .unlabeled)
        let lambda = unlabeledMixingCoefficient(generator: &context.generator)
        let partners = unlabeledPartners(posterior: whole, generator: &context.generator)
        let ownPartners = Array(partners[ownRows(of: .unlabeled, ownCount: images.shape[0])])
        // α^ = λ α + (1 - λ) α[idx], on the probabilities, not log α
        func probabilities(_ logProbabilities: Tensor) -> Tensor {
            logProbabilities.map(vector: { Kernels.lanes($0, expf) }, scalar: expf, grain: Tensor.transcendentalGrain)
        }
        let targetProbabilities = Interpolation.mix(
            probabilities(pass.posterior.logProbabilities.value), with: probabilities(whole.logProbabilities.value),
            partners: ownPartners, coefficient: lambda)
        let (mixed, matching) = interpolatedPosterior(
            model: model, images: images, of: pass.posterior, partners: partners, coefficient: lambda,
            part: .unlabeled, context: context)
        let classification = wholeBatchMean(
            crossEntropy(logProbabilities: mixed.logProbabilities, targets: targetProbabilities), of: .unlabeled)
        terms[.unlabeled].posteriorMatching = matching.value.scalar
        terms[.unlabeled].classification = classification.value.scalar
        return (evidence + matching * (weights.continuousKL * weights.posteriorMatching)) * weights.elbo
            + classification * weights.unlabeledClassification
    }

    /// The unlabeled mixing coefficient, `λ ~ Beta(a, a)` with the configured `a` (2).
    open func unlabeledMixingCoefficient(generator: inout RandomGenerator) -> Float {
        generator.nextBeta(configuration.unlabeledMixing, configuration.unlabeledMixing)
    }

    /// Each unlabeled example's partner: a random permutation (default) or the optimal match.
    /// `posterior` is the whole batch's (gathered from every process in a step spread over
    /// several), and so are the partners.
    open func unlabeledPartners(posterior: SemiSupervisedVAE.Posterior, generator: inout RandomGenerator) -> [Int] {
        switch configuration.partnerChoice {
        case .randomPermutation:
            return generator.permutation(posterior.mean.shape[0])
        case .optimalMatch:
            return Interpolation.optimalMatch(mean: posterior.mean.value, logSigma: posterior.logSigma.value)
        }
    }
}
