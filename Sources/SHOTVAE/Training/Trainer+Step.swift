extension Trainer {
    /// One training step: the next labeled and unlabeled batches (augmented), the objective's
    /// gradients (summed over the processes of a run spread over several, each computing its
    /// rows of the batches), the non-finite guard, the hooks, and the optimizer's update at
    /// the schedule's learning rate. Returns the step's loss terms.
    ///
    /// - Throws: ``SHOTVAEError`` when the loss is NaN or infinite (nothing is updated), or
    ///   the error of a hook.
    func trainingStep(_ run: inout RunState, split: SemiSupervisedSplit) throws -> LossTerms {
        let progress = run.progress(totalEpochs: configuration.epochs)
        optimizer.learningRate = learningRateSchedule.learningRate(at: progress)
        let context = ForwardContext(isTraining: true, generator: run.generator)
        var (labeled, unlabeled) = nextBatches(&run, split: split, generator: &context.generator)
        var buckets: GradientBuckets?
        if communicator.size > 1 {
            let shard = BatchShard(communicator: communicator, wholeLabeled: labeled, wholeUnlabeled: unlabeled)
            context.shard = shard
            (labeled, unlabeled) = (shard.ownLabeled()!, shard.ownUnlabeled())
            buckets = bucketsOfGradients()
            if overlapsGradientSum { context.gradientBuckets = buckets }
        }
        let terms = objective.accumulateGradients(
            model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context)
        buckets?.finish()
        try checkFinite(terms, run)
        for hook in hooks { try hook.didComputeGradients(self, terms: terms, progress: progress) }
        for hook in hooks { try hook.willUpdateParameters(self, progress: progress) }
        noticeCheckpoint?.beginUpdate()
        optimizer.step()
        optimizer.zeroGradients()
        run.generator = context.generator
        run.step += 1
        run.stepInEpoch += 1
        run.epochSums.add(terms)
        noticeCheckpoint?.endUpdate(run, buffers: model.namedBuffers.map { ($0.name, $0.buffer.value) })
        return terms
    }

    /// The buckets in which the optimizer's gradients are summed over the processes, made
    /// once.
    func bucketsOfGradients() -> GradientBuckets {
        if let gradientBuckets, gradientBuckets.communicator === communicator { return gradientBuckets }
        let buckets = GradientBuckets(parameters: optimizer.parameters, communicator: communicator)
        gradientBuckets = buckets
        return buckets
    }

    /// The step's labeled batch and, when the objective reads them, its unlabeled images,
    /// both through ``augmentation``.
    func nextBatches(
        _ run: inout RunState, split: SemiSupervisedSplit, generator: inout RandomGenerator
    ) -> (LabeledBatch, Tensor?) {
        let labeledIndices = run.labeledOrder.next()
        let unlabeledIndices = run.unlabeledOrder.next()
        var labeledImages = split.labeled.images(at: labeledIndices)
        var unlabeled = objective.usesUnlabeledData ? split.unlabeled.images(at: unlabeledIndices) : nil
        if let augmentation {
            labeledImages = augmentation(labeledImages, generator: &generator)
            unlabeled = unlabeled.map { augmentation($0, generator: &generator) }
        }
        return (LabeledBatch(images: labeledImages, labels: labeledIndices.map { split.labeled.labels[$0] }), unlabeled)
    }

    /// Stops the run with an error, leaving the last good checkpoint, when the loss is not
    /// finite; the summary records the failure.
    func checkFinite(_ terms: LossTerms, _ run: RunState) throws {
        guard !terms.total.isFinite else { return }
        let bad = terms.named.filter { !$0.value.isFinite }.map(\.name).joined(separator: ", ")
        let place = "epoch \(run.epoch + 1), step \(run.step + 1)"
        try writeFailure("loss became \(terms.total) at \(place)", run: run)
        throw SHOTVAEError(
            .numerical,
            "the loss became \(terms.total) at \(place) (non-finite terms: \(bad)); training stopped\(checkpointURL.map { ", the last good checkpoint is \($0.path)" } ?? "")")
    }
}
