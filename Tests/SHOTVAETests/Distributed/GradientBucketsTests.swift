import Testing

@testable import SHOTVAE

/// The gradients' sum in buckets: the buckets start during the step's last backward pass, in
/// the same order on every process, and the sums are those of one reduction after the pass.
@Suite struct GradientBucketsTests {
    /// How the step's gradients were summed.
    enum Summation: Sendable {
        /// ``GradientBuckets`` armed for the objective's last backward pass.
        case bucketsDuringBackward
        /// ``GradientBuckets`` after a plain `loss(...).total.backward()`, as for an objective
        /// that never calls ``ForwardContext/finalBackward(_:)``.
        case bucketsAfterBackward
        /// One ``GradientSum`` after the backward passes.
        case oneSum
    }

    /// What a process saw of one step.
    struct Outcome: Sendable {
        var gradients: [Float]
        var bucketCount = 0
        var startedDuringBackward = 0
        /// ``GradientBuckets/lastStartFractions``.
        var startFractions: [Double] = []
    }

    /// One SHOT-VAE step on 2 processes' shares of 6 labeled and 20 unlabeled images, with the
    /// gradients summed as `summation` says. `batchNormalized` puts batch norm in the encoder,
    /// so that the objective differentiates the two halves in two backward passes.
    static func step(_ summation: Summation, batchNormalized: Bool) throws -> [Outcome] {
        try ThreadGroup(size: 2).run { communicator in
            var rng = RandomGenerator(seed: 8)
            var encoderLayers: [any Layer] = [Flatten(), Dense(inputCount: 784, outputCount: 32, generator: &rng)]
            if batchNormalized { encoderLayers.append(BatchNorm(featureCount: 32)) }
            encoderLayers.append(ReLU())
            let model = SemiSupervisedVAE(
                encoder: Sequential(encoderLayers), featureCount: 32, latentCount: 4, classCount: 10,
                decoder: Sequential([Dense(inputCount: 14, outputCount: 784, generator: &rng), Reshape([1, 28, 28])]),
                generator: &rng)
            #expect(model.treatsExamplesIndependently == !batchNormalized)
            let objective = SHOTObjective(configuration: .mnist)
            let images = TrainerTests.data.train.subset(Array(0..<26))
            let labeled = LabeledBatch(images: images.images(at: Array(0..<6)), labels: Array(images.labels[0..<6]))
            let shard = BatchShard(communicator: communicator, wholeLabeled: labeled, wholeUnlabeled: images.images(at: Array(6..<26)))
            let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 9))
            context.shard = shard
            let progress = TrainingProgress(epoch: 3, step: 500, totalEpochs: 10)
            var outcome = Outcome(gradients: [])
            switch summation {
            case .bucketsDuringBackward, .bucketsAfterBackward:
                let buckets = GradientBuckets(parameters: model.parameters, communicator: communicator, capacity: 4096)
                if summation == .bucketsDuringBackward {
                    context.gradientBuckets = buckets
                    _ = objective.accumulateGradients(
                        model: model, labeled: shard.ownLabeled(), unlabeled: shard.ownUnlabeled(), progress: progress,
                        context: context)
                } else {
                    objective.loss(
                        model: model, labeled: shard.ownLabeled(), unlabeled: shard.ownUnlabeled(), progress: progress,
                        context: context
                    ).total.backward()
                }
                outcome.startedDuringBackward = buckets.startedCount
                outcome.bucketCount = buckets.count
                buckets.finish()
                outcome.startFractions = buckets.lastStartFractions
            case .oneSum:
                _ = objective.accumulateGradients(
                    model: model, labeled: shard.ownLabeled(), unlabeled: shard.ownUnlabeled(), progress: progress,
                    context: context)
                GradientSum()(model.parameters, communicator: communicator)
            }
            outcome.gradients = model.parameters.flatMap { $0.gradient?.scalars ?? [] }
            return outcome
        }
    }

    /// With one backward pass (a model without batch norm: both halves run as one batch),
    /// every bucket starts during it, the first well before its end, in the same order on
    /// both processes; the sums are bit for bit those of one reduction after the pass.
    @Test func bucketsStartWhileTheBackwardPassRuns() throws {
        let buckets = try Self.step(.bucketsDuringBackward, batchNormalized: false)
        let reference = try Self.step(.oneSum, batchNormalized: false)
        for rank in 0..<2 {
            #expect(buckets[rank].bucketCount > 3 && buckets[rank].startedDuringBackward == buckets[rank].bucketCount,
                    "\(buckets[rank].startedDuringBackward) of \(buckets[rank].bucketCount) buckets started during the pass")
            let fractions = buckets[rank].startFractions
            #expect(fractions.count == buckets[rank].bucketCount && fractions.first! < 0.5 && fractions == fractions.sorted(),
                    "buckets started at \(fractions) of the pass")
            #expect(!reference[rank].gradients.isEmpty && buckets[rank].gradients == reference[rank].gradients)
        }
    }

    /// With two backward passes (batch norm: the labeled half, then the unlabeled half), the
    /// buckets start only in the second, and the sums include both halves.
    @Test func bucketsWaitForTheLastBackwardPass() throws {
        let buckets = try Self.step(.bucketsDuringBackward, batchNormalized: true)
        let reference = try Self.step(.oneSum, batchNormalized: true)
        for rank in 0..<2 {
            #expect(buckets[rank].startedDuringBackward == buckets[rank].bucketCount)
            #expect(buckets[rank].startFractions.allSatisfy { $0 < 1 }, "\(buckets[rank].startFractions)")
            #expect(!reference[rank].gradients.isEmpty && buckets[rank].gradients == reference[rank].gradients)
        }
    }

    /// Without ``ForwardContext/finalBackward(_:)``, nothing starts during the pass, and
    /// ``GradientBuckets/finish()`` still sums everything.
    @Test func bucketsStartAtTheEndWithoutTheFinalPass() throws {
        let buckets = try Self.step(.bucketsAfterBackward, batchNormalized: false)
        let reference = try Self.step(.oneSum, batchNormalized: false)
        for rank in 0..<2 {
            #expect(buckets[rank].startedDuringBackward == 0 && buckets[rank].startFractions.allSatisfy { $0 == 1 })
            #expect(buckets[rank].gradients == reference[rank].gradients)
        }
    }

    /// Buckets hold the parameters in reverse order, none over the capacity unless one
    /// parameter alone is.
    @Test func bucketsFollowTheBackwardOrder() {
        let parameters = [3, 5, 2, 9, 1].map { Parameter(Tensor(shape: [$0], repeating: 0)) }
        let buckets = GradientBuckets(parameters: parameters, communicator: SingleProcessCommunicator(), capacity: 6)
        #expect(buckets.bucketSizes == [1, 9, 2, 5, 3])
        let wide = GradientBuckets(parameters: parameters, communicator: SingleProcessCommunicator(), capacity: 12)
        #expect(wide.bucketSizes == [12, 8])
    }
}
