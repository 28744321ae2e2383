/// The semi-supervised ELBO with JointVAE capacities (Method.md section 2): on labeled data
/// the decoder gets the one-hot label, on unlabeled data a Gumbel-softmax sample, and both
/// halves minimize `ew · (R + P)` with
/// `P = bc · |KLc - Cc| + bd · |KLd - Cd|`.
///
/// It is the base of the family: ``M2Objective`` adds a classification loss,
/// ``SmoothELBOObjective`` smooths the labeled half, ``SHOTObjective`` adds optimal
/// interpolation to the unlabeled half. Each step of the computation is an `open` method, so
/// a subclass can change one idea and keep the rest.
///
/// While it computes a step, the objective is the context's ``ForwardContext/latentNoiseSource``:
/// the model's `ε` and Gumbel-softmax uniforms come from
/// ``reparameterizationNoise(for:context:)`` and ``gumbelUniforms(for:context:)``, told the
/// half and the pass of each draw.
///
/// An objective keeps the plain passes of the step it is computing (see
/// ``labeledPass(model:batch:context:)``), so one instance computes one step at a time: give
/// each thread that trains its own objective.
open class ELBOObjective: VariationalObjective, LatentNoiseSource {
    /// The weights, capacities and settings, as schedules.
    public var configuration: ObjectiveConfiguration

    /// The current step's plain passes, while its halves are computed.
    private var plainPasses: PlainPasses?
    /// The current step's division among processes, while its halves are computed; `nil` in
    /// one process.
    public private(set) var stepShard: BatchShard?

    /// Creates the objective.
    public init(configuration: ObjectiveConfiguration) {
        self.configuration = configuration
    }

    /// `true`: the ELBO family trains on unlabeled data.
    open var usesUnlabeledData: Bool { true }

    /// The configured likelihood of the reconstruction term.
    open var reconstructionLikelihood: ReconstructionLikelihood { configuration.reconstruction }

    /// `true`: the family averages over the whole batch (``wholeBatchMean(_:of:)``) and takes
    /// mixing partners from it. A subclass that adds a term must average it the same way.
    open var supportsDividedBatches: Bool { true }

    /// `labeledLoss + unlabeledLoss` (whichever batches are given) and the values of its parts.
    public func loss(
        model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
        context: ForwardContext
    ) -> ObjectiveValue {
        var parts: [Variable] = []
        var terms = forEachHalf(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress,
                                context: context) { part, _ in parts.append(part) }
        let total = parts.dropFirst().reduce(parts[0], +)
        terms.total = total.value.scalar
        return ObjectiveValue(total: total, terms: terms)
    }

    /// The labeled half's loss, differentiated and released, then the unlabeled half's: the
    /// same gradient as `loss(...).total.backward()` with only one half's graph in memory. When
    /// the two halves' plain passes run as one batch (see ``labeledPass(model:batch:context:)``),
    /// their graphs are one, and the sum of the halves is differentiated once. The last
    /// backward pass is the context's ``ForwardContext/finalBackward(_:)``.
    public func accumulateGradients(
        model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
        context: ForwardContext
    ) -> LossTerms {
        forEachHalf(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context) {
            part, isLast in
            if isLast { context.finalBackward(part) } else { part.backward() }
        }
    }

    /// Computes the labeled half's loss, then the unlabeled half's (whichever batches are
    /// given), and hands each to `body` before the next is computed, releasing the labeled
    /// half's plain pass in between; returns the values, with each half's loss and the total.
    /// When both halves' plain passes run as one batch, their graphs are one, and `body` gets
    /// the sum of the halves once. `body`'s second argument says whether the part is the
    /// step's last.
    private func forEachHalf(
        model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
        context: ForwardContext, _ body: (_ part: Variable, _ isLast: Bool) -> Void
    ) -> LossTerms {
        precondition(labeled != nil || unlabeled != nil, "An objective needs a labeled or an unlabeled batch.")
        let weights = self.weights(at: progress)
        var terms = LossTerms()
        let passes = PlainPasses(model: model, labeled: labeled, unlabeled: unlabeled, context: context)
        plainPasses = passes
        stepShard = context.shard
        let savedSource = context.latentNoiseSource
        context.latentNoiseSource = self
        defer {
            (plainPasses, stepShard) = (nil, nil)
            context.latentNoiseSource = savedSource
        }
        var labeledPart: Variable?
        if let labeled {
            let part = labeledLoss(model: model, batch: labeled, weights: weights, context: context, terms: &terms)
            terms[.labeled].loss = part.value.scalar
            labeledPart = part
        }
        if let part = labeledPart, !passes.joint {
            body(part, unlabeled == nil)
            labeledPart = nil
            passes.releaseLabeled()
        }
        if let unlabeled {
            let part = unlabeledLoss(model: model, images: unlabeled, weights: weights, context: context, terms: &terms)
            terms[.unlabeled].loss = part.value.scalar
            body(labeledPart.map { $0 + part } ?? part, true)
        } else if let labeledPart {
            body(labeledPart, true)
        }
        terms.total = (terms.labeled?.loss ?? 0) + (terms.unlabeled?.loss ?? 0)
        return terms
    }

    /// The plain pass of this step's labeled batch, with its one-hot labels as `y`: the pass
    /// every objective of the family starts its labeled half with, computed once per step.
    ///
    /// On a model that ``Layer/treatsExamplesIndependently``, in a step with both halves, the
    /// first request for either half's plain pass runs both as one batch
    /// (``SemiSupervisedVAE/reconstruct(_:context:)``), in fewer and larger products. A
    /// subclass that overrides a half should take its plain pass from here or from
    /// ``unlabeledPass(model:images:context:)``, not from `model.reconstruct`, to keep that
    /// saving (and to not compute the pass twice). Outside a step, or for another batch, the
    /// pass is computed on its own.
    public func labeledPass(model: SemiSupervisedVAE, batch: LabeledBatch, context: ForwardContext) -> SemiSupervisedVAE.Pass {
        if let passes = plainPasses, let pass = passes.labeled(model: model, batch: batch) { return pass }
        return model.reconstruct(Variable(batch.images), classes: .labels(batch.labels), context: context)
    }

    /// The plain pass of this step's unlabeled batch, with a Gumbel-softmax sample as `y`: the
    /// pass every objective of the family starts its unlabeled half with, computed once per
    /// step and shared as ``labeledPass(model:batch:context:)`` describes.
    public func unlabeledPass(model: SemiSupervisedVAE, images: Tensor, context: ForwardContext) -> SemiSupervisedVAE.Pass {
        if let passes = plainPasses, let pass = passes.unlabeled(model: model, images: images) { return pass }
        return model.reconstruct(Variable(images), classes: .sampled, context: context)
    }

    /// The standard-normal `ε` of the reparameterization `z = μ + σ ⊙ ε` for `draw`: by default
    /// drawn from the context's generator (``LatentDraw/standardDraw(context:)``). Override to
    /// try other noise; `draw` says which half and pass it is for. In a step divided among
    /// processes, ``ForwardContext/perExampleDraw(_:_:)`` draws for the whole batch and keeps
    /// this process's rows, so that the step does not depend on the number of processes.
    open func reparameterizationNoise(for draw: LatentDraw, context: ForwardContext) -> Tensor {
        draw.standardDraw(context: context)
    }

    /// The uniforms `u ∈ [0, 1)` of the Gumbel-softmax sample's noise
    /// `g = -log(-log(u + 1e-12) + 1e-12)` for `draw`: by default drawn from the context's
    /// generator. Override as ``reparameterizationNoise(for:context:)``.
    open func gumbelUniforms(for draw: LatentDraw, context: ForwardContext) -> Tensor {
        draw.standardDraw(context: context)
    }

    /// The configuration's schedules evaluated at `progress`.
    open func weights(at progress: TrainingProgress) -> ObjectiveWeights {
        ObjectiveWeights(configuration, at: progress)
    }

    /// The labeled half: `ew · (R_l + P_l)` with the one-hot label as `y`.
    open func labeledLoss(
        model: SemiSupervisedVAE, batch: LabeledBatch, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> Variable {
        labeledEvidence(model: model, batch: batch, weights: weights, context: context, terms: &terms).evidence
            * weights.elbo
    }

    /// The pass of a labeled batch with its one-hot labels as `y`, and its `R_l + P_l`.
    public func labeledEvidence(
        model: SemiSupervisedVAE, batch: LabeledBatch, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> (pass: SemiSupervisedVAE.Pass, evidence: Variable) {
        let pass = labeledPass(model: model, batch: batch, context: context)
        return (pass, evidenceLoss(pass, images: batch.images, weights: weights, part: .labeled, terms: &terms))
    }

    /// The unlabeled half: `ew · (R_u + P_u)` with a Gumbel-softmax sample as `y`.
    open func unlabeledLoss(
        model: SemiSupervisedVAE, images: Tensor, weights: ObjectiveWeights, context: ForwardContext,
        terms: inout LossTerms
    ) -> Variable {
        let pass = unlabeledPass(model: model, images: images, context: context)
        return evidenceLoss(pass, images: images, weights: weights, part: .unlabeled, terms: &terms) * weights.elbo
    }

    /// `R + P` for one pass: the negative ELBO with capacities, with `R`, `KLc` and `KLd`
    /// averaged over the whole batch (``wholeBatchMeans(_:of:)``) before the capacities apply.
    /// Records `reconstruction`, `continuousKL`, `discreteKL`, the capacities `Cc` and `Cd`
    /// and the prior term `P` in `terms[part]`.
    open func evidenceLoss(
        _ pass: SemiSupervisedVAE.Pass, images: Tensor, weights: ObjectiveWeights, part: LossTerms.Part,
        terms: inout LossTerms
    ) -> Variable {
        let reconstruction = reconstructionLoss(output: pass.output, images: images)
        // KLc = 0.5 Σ (μ² + σ² - 2 log σ - 1) / B
        let continuousKL = gaussianKLDivergence(mean: pass.posterior.mean, logSigma: pass.posterior.logSigma)
        // KLd = Σ α (log α - log(1/K)) / B
        let discreteKL = categoricalKLDivergenceToUniform(logProbabilities: pass.posterior.logProbabilities)
        let means = wholeBatchMeans([reconstruction, continuousKL, discreteKL], of: part)
        terms[part].reconstruction = means[0].value.scalar
        terms[part].continuousKL = means[1].value.scalar
        terms[part].discreteKL = means[2].value.scalar
        let prior = priorTerm(continuousKL: means[1], discreteKL: means[2], weights: weights)
        terms[part].continuousCapacity = weights.continuousCapacity
        terms[part].discreteCapacity = weights.discreteCapacity
        terms[part].prior = prior.value.scalar
        return means[0] + prior
    }

    /// `P = bc · |KLc - Cc| + bd · |KLd - Cd|` (JointVAE's controlled capacities).
    open func priorTerm(continuousKL: Variable, discreteKL: Variable, weights: ObjectiveWeights) -> Variable {
        (continuousKL - weights.continuousCapacity).abs() * weights.continuousKL
            + (discreteKL - weights.discreteCapacity).abs() * weights.discreteKL
    }

    /// `R`: Bernoulli (`Σ BCEWithLogits(x̂, x) / B`) or Gaussian (`scale · Σ (x̂ - x)² / B`).
    open func reconstructionLoss(output: Variable, images: Tensor) -> Variable {
        switch configuration.reconstruction {
        case .bernoulli:
            return binaryCrossEntropyWithLogits(logits: output, targets: images, reduction: .batchMean)
        case .gaussian(let scale):
            return meanSquaredError(prediction: output, targets: images, reduction: .batchMean) * scale
        }
    }

    // MARK: - A step spread over several processes

    /// The whole batch's mean of a mean over this process's examples of `part`: in a step
    /// spread over several processes, ``BatchShard/mean(_:of:)``; otherwise `ownMean`
    /// itself. Every mean over the batch that enters the loss goes through here, so that the
    /// loss (and a capacity's `|KL - C|` of it) is the whole batch's.
    public func wholeBatchMean(_ ownMean: Variable, of part: LossTerms.Part) -> Variable {
        stepShard?.mean(ownMean, of: part) ?? ownMean
    }

    /// ``wholeBatchMean(_:of:)`` of several means, in one reduction.
    public func wholeBatchMeans(_ ownMeans: [Variable], of part: LossTerms.Part) -> [Variable] {
        stepShard?.means(ownMeans, of: part) ?? ownMeans
    }

    /// The whole batch of `part` of a per-example tensor whose rows this process holds: the
    /// processes' rows gathered (``BatchShard/wholeBatch(_:of:)``), or `own` in one process.
    public func wholeBatch(_ own: Tensor, of part: LossTerms.Part) -> Tensor {
        stepShard?.wholeBatch(own, of: part) ?? own
    }

    /// The whole batch's images of `part`, of which `own` are this process's rows.
    public func wholeImages(_ own: Tensor, of part: LossTerms.Part) -> Tensor {
        stepShard?.wholeImages(of: part) ?? own
    }

    /// This process's rows of the whole batch of `part`, which has `ownCount` rows here;
    /// `0..<ownCount` in one process.
    public func ownRows(of part: LossTerms.Part, ownCount: Int) -> Range<Int> {
        stepShard?.rows(of: part).own ?? 0..<ownCount
    }

    /// The whole batch's posterior (values only, without gradient) of a posterior of this
    /// process's rows; `posterior` itself in one process.
    public func wholePosterior(_ posterior: SemiSupervisedVAE.Posterior, of part: LossTerms.Part) -> SemiSupervisedVAE.Posterior {
        guard stepShard != nil else { return posterior }
        return SemiSupervisedVAE.Posterior(
            mean: Variable(wholeBatch(posterior.mean.value, of: part)),
            logSigma: Variable(wholeBatch(posterior.logSigma.value, of: part)),
            logProbabilities: Variable(wholeBatch(posterior.logProbabilities.value, of: part)))
    }

    /// The label term's loss of predicted log α against (soft) labels `targets`:
    /// `CE(log α, q)` or `BCE(α, q)` as configured.
    open func classificationLoss(logProbabilities: Variable, targets: Tensor) -> Variable {
        switch configuration.labeledClassificationLoss {
        case .crossEntropy:
            return crossEntropy(logProbabilities: logProbabilities, targets: targets)
        case .binaryCrossEntropy:
            return binaryCrossEntropy(logProbabilities: logProbabilities, targets: targets, reduction: .mean)
        }
    }
}
