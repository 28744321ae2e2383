#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHOT-VAE (PAPER.md sections 3 and 4): the smooth-ELBO on labelled data and optimal
/// interpolation on unlabelled data.
///
/// For an unlabelled batch `x`:
///
/// 1. A pass with a Gumbel-softmax `y` gives `R_u`, `P_u` and the posterior `μ, σ, α`.
/// 2. `λ ~ Beta(2, 2)` and a partner for each example (a random permutation, or the
///    "optimal match": the example with the closest continuous posterior); without gradient,
///    `x^ = λ x + (1 - λ) x[idx]`, and the same mix of `μ`, `σ` and the probabilities `α`.
/// 3. The encoder's posterior of `x^`: `μ', log σ', log α'`.
/// 4. `Du = CE(log α', α^)` against the mixed probabilities, `Dc` as in section 3.
/// 5. `L_u = ew · (R_u + P_u + bc · pw · Dc) + ucw · Du`.
///
/// Subclass and override ``unlabelledMixingCoefficient(generator:)`` or
/// ``unlabelledPartners(posterior:generator:)`` to try another mixing distribution or
/// partner choice.
open class SHOTObjective: SmoothELBOObjective {
    /// The interpolated unlabelled half. Records `reconstruction`, `continuousKL`,
    /// `discreteKL`, `posteriorMatching` (`Dc`) and `classification` (`Du`) under `unlabelled`.
    open override func unlabelledLoss(
        model: SemiSupervisedVAE, images: Tensor, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout ObjectiveTerms
    ) -> Variable {
        let pass = unlabelledPass(model: model, images: images, context: context)
        let evidence = evidenceLoss(pass, images: images, weights: weights, part: "unlabelled", terms: &terms)

        let lambda = unlabelledMixingCoefficient(generator: &context.generator)
        let partners = unlabelledPartners(posterior: pass.posterior, generator: &context.generator)
        // α^ = λ α + (1 - λ) α[idx], on the probabilities, not log α
        let alpha = pass.posterior.logProbabilities.value.map(vector: { Kernels.lanes($0, expf) }, scalar: expf,
                                                              grain: Tensor.transcendentalGrain)
        let targetProbabilities = Interpolation.mix(alpha, partners: partners, coefficient: lambda)
        let (mixed, matching) = interpolatedPosterior(
            model: model, images: images, of: pass.posterior, partners: partners, coefficient: lambda,
            context: context)
        let classification = crossEntropy(logProbabilities: mixed.logProbabilities, targets: targetProbabilities)
        terms.record("unlabelled", "posteriorMatching", matching)
        terms.record("unlabelled", "classification", classification)
        return (evidence + matching * (weights.continuousKL * weights.posteriorMatching)) * weights.elbo
            + classification * weights.unlabelledClassification
    }

    /// The unlabelled mixing coefficient, `λ ~ Beta(a, a)` with the configured `a` (2).
    open func unlabelledMixingCoefficient(generator: inout RandomGenerator) -> Float {
        generator.nextBeta(configuration.unlabelledMixing, configuration.unlabelledMixing)
    }

    /// Each unlabelled example's partner: a random permutation (default) or the optimal match.
    open func unlabelledPartners(posterior: SemiSupervisedVAE.Posterior, generator: inout RandomGenerator) -> [Int] {
        switch configuration.partnerChoice {
        case .randomPermutation:
            return generator.permutation(posterior.mean.shape[0])
        case .optimalMatch:
            return Interpolation.optimalMatch(mean: posterior.mean.value, logSigma: posterior.logSigma.value)
        }
    }
}
