extension SemiSupervisedVAE {
    /// The passes of several batches, each with its own class input.
    ///
    /// When the model ``Layer/treatsExamplesIndependently``, the batches go through the encoder
    /// and the decoder as one batch, and each pass is its batch's share of the result: the same
    /// values as one ``reconstruct(_:classes:context:)`` per batch (up to the rounding of sums
    /// over the batch), in fewer and larger products. The random draws are the same too, in
    /// the same order: each batch's ε, then its Gumbel noise if it is `.sampled`. Otherwise (a
    /// model with batch normalization, whose statistics would then cover all the batches) each
    /// batch runs on its own.
    ///
    /// - Parameters:
    ///   - batches: The images `[B, C, H, W]` of each batch (all of one image shape) and what
    ///     its decoder receives as `y`.
    ///   - context: The pass's mode; its generator supplies ε and the Gumbel noise.
    /// - Returns: One pass per batch, in order.
    public func reconstruct(_ batches: [(images: Tensor, classes: ClassInput)], context: ForwardContext) -> [Pass] {
        reconstruct(batches, rows: batches.map { _ in nil }, context: context)
    }

    /// ``reconstruct(_:context:)`` of batches that are shares of whole batches divided among
    /// processes: each batch's per-example draws are made with its `rows` as the context's
    /// ``ForwardContext/exampleRows`` (`nil` for a batch of its own), and with its `origins`
    /// entry as the context's ``ForwardContext/latentOrigin`` (all the context's own when
    /// `origins` is `nil`).
    func reconstruct(
        _ batches: [(images: Tensor, classes: ClassInput)], rows: [BatchRows?], origins: [LatentDraw.Origin?]? = nil,
        context: ForwardContext
    ) -> [Pass] {
        precondition(rows.count == batches.count, "One division per batch.")
        let origins = origins ?? batches.map { _ in context.latentOrigin }
        precondition(origins.count == batches.count, "One origin per batch.")
        /// `body` with batch `index`'s rows and origin of draws.
        func drawing<Result>(for index: Int, _ body: () -> Result) -> Result {
            context.withExampleRows(rows[index]) { context.withLatentOrigin(origins[index], body) }
        }
        guard batches.count > 1, treatsExamplesIndependently else {
            return batches.indices.map { index in
                drawing(for: index) { reconstruct(Variable(batches[index].images), classes: batches[index].classes, context: context) }
            }
        }
        let images = concat(batches.map { Variable($0.images) }, axis: 0).value
        let posterior = encode(Variable(images), context: context)
        var start = 0
        let shares = batches.indices.map { index -> (rows: Range<Int>, posterior: Posterior, z: Variable, y: Variable) in
            let batch = batches[index]
            let rows = start..<(start + batch.images.shape[0])
            start = rows.upperBound
            let share = Posterior(mean: posterior.mean.rows(rows), logSigma: posterior.logSigma.rows(rows),
                                  logProbabilities: posterior.logProbabilities.rows(rows))
            return drawing(for: index) {
                let z = sampler.continuous(
                    mean: share.mean, logSigma: share.logSigma,
                    noise: continuousNoise(shape: share.mean.shape, context: context))
                let y = classLatent(batch.classes, logProbabilities: share.logProbabilities, context: context)
                return (rows, share, z, y)
            }
        }
        let output = decode(z: concat(shares.map(\.z), axis: 0), y: concat(shares.map(\.y), axis: 0), context: context)
        return shares.map { Pass(posterior: $0.posterior, z: $0.z, y: $0.y, output: output.rows($0.rows)) }
    }
}
