import ArgumentParser
import Foundation
@_spi(Benchmarks) import SHOTVAE
import SHOTVAEDistributed

/// The `wrn-step` workload: one SHOT-VAE training step with the WideResNet-28-2 encoder and the
/// DCGAN decoder on 64 labeled + 64 unlabeled 32x32 images, as Benchmarks/peers/torch_shot_wrn.py
/// times it: the plain and mixed passes of both halves, the gradient (one backward pass per
/// half, as the trainer runs it; the reference sums the halves first), an SGD step.
struct WRNStepWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wrn-step", abstract: "One SHOT-VAE step with WideResNet-28-2 (64 labeled + 64 unlabeled images, SGD).")

    @Option(help: "Labeled and unlabeled images per batch (in all, under mpirun).")
    var batch = 64

    @Option(help: "Timed steps (at least 3; of each kind, blocking and overlapped, under mpirun).")
    var steps = 8

    @Flag(help: "Also decode the mixed inputs, as the PyTorch reference does (their reconstruction is not in the loss).")
    var decodeMixed = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    /// SHOT-VAE with the decoder also run on the mixed inputs (work the loss does not use).
    final class DecodingMixedSHOT: SHOTObjective {
        override func posteriorMatchingLoss(
            _ mixed: SemiSupervisedVAE.Posterior, targetMean: Tensor, targetSigma: Tensor
        ) -> Variable {
            decodeMixedPass?(mixed)
            return super.posteriorMatchingLoss(mixed, targetMean: targetMean, targetSigma: targetSigma)
        }
        var decodeMixedPass: ((SemiSupervisedVAE.Posterior) -> Void)?
    }

    func run() throws {
        let communicator = try Launch.communicator()
        defer { Launch.finish(communicator) }
        var rng = RandomGenerator(seed: 1)
        let model = SemiSupervisedVAE.cifar(widthFactor: 2, classCount: 10, generator: &rng)
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.02, momentum: 0.9, weightDecay: 5e-4)
        // The reference's end-of-schedule weights: ew = bc = bd = 1e-3, pw = ucw = 1, Cd = 2.3.
        let settings = ObjectiveConfiguration(
            reconstruction: .bernoulli, elboWeight: .constant(1e-3), continuousKLWeight: .constant(1e-3),
            discreteKLWeight: .constant(1e-3), continuousCapacity: .constant(0), discreteCapacity: .constant(2.3),
            posteriorMatchingWeight: .constant(1), labeledClassificationWeight: .constant(1),
            unlabeledClassificationWeight: .constant(1))
        let objective = DecodingMixedSHOT(configuration: settings)
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 2))
        if decodeMixed {
            objective.decodeMixedPass = { posterior in
                // The reference decodes z = μ' + σ' ε with the mixed class input; its output is unused.
                let z = model.sampler.continuous(mean: posterior.mean, logSigma: posterior.logSigma, generator: &context.generator)
                _ = model.decode(z: z, y: posterior.logProbabilities.exp().detached(), context: context)
            }
        }
        let pool = (0..<4).map { _ in
            (LabeledBatch(images: Tensor(uniform: [batch, 3, 32, 32], generator: &rng),
                          labels: (0..<batch).map { _ in rng.nextInt(below: 10) }),
             Tensor(uniform: [batch, 3, 32, 32], generator: &rng))
        }
        if communicator.size > 1 {
            try runDivided(communicator, model: model, optimizer: optimizer, objective: objective,
                           pool: pool.map { (labeled: $0.0, unlabeled: $0.1) })
            return
        }
        var step = 0
        func trainStep() {
            let (labeled, unlabeled) = pool[step % pool.count]
            _ = objective.accumulateGradients(
                model: model, labeled: labeled, unlabeled: unlabeled,
                progress: TrainingProgress(epoch: 0, step: step, totalEpochs: 1), context: context)
            optimizer.step()
            optimizer.zeroGradients()
            step += 1
        }
        let summary = Stopwatch(targetSeconds: 0, minimumRepetitions: max(3, steps), maximumRepetitions: max(3, steps)).median(trainStep)
        // The training augmentation of shotvae-cifar (reflect-pad 4, random crop, random flip),
        // applied to the step's labeled and unlabeled batches as the trainer applies it.
        let augmentation = PadCropFlip()
        var augmentationGenerator = RandomGenerator(seed: 3)
        let augmentationSeconds = Stopwatch(targetSeconds: 0.5).median {
            _ = augmentation(pool[0].0.images, generator: &augmentationGenerator)
            _ = augmentation(pool[0].1, generator: &augmentationGenerator)
        }.median
        // Conv/linear FLOPs as im2col would do them, counted as the reference counts them
        // (forward per image: encoder 428.8 M, heads 0.07 M, decoder 69.0 M; backward twice the
        // forward except the stem's input gradient and the decoders of the mixed passes). The
        // engine's Winograd forms perform fewer: `performed_gflop` counts those.
        let encoder = 428_826_624.0, heads = 68_096.0, decoder = 69_017_600.0, stem = 2.0 * 3 * 16 * 9 * 32 * 32
        let b = Double(batch)
        let referenceFlops = 4 * b * (encoder + heads + decoder) + 4 * b * (2 * (encoder + heads) - stem) + 2 * b * 2 * decoder
        let median = summary.median
        let phases = PhaseReport(steps: 2, fmaPeak: MachineLimits.fmaPeak(), trainStep)
        if json {
            var object: [String: Any] = [
                "workload": "wrn-step", "batch": batch, "decode_mixed": decodeMixed, "median_s": median,
                "steps": summary.samples.count, "unlabeled_images_per_s": b / median,
                "reference_gflop": (decodeMixed ? referenceFlops : referenceFlops - 2 * b * decoder) * 1e-9,
                "peak_rss_mib": peakResidentMebibytes(), "augmentation_ms": augmentationSeconds * 1e3,
            ]
            object.merge(phases.json(stepSeconds: median)) { $1 }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            let (low, high) = summary.spread
            print(String(format: "wrn-step: median %.3f s (p10 %.3f, p90 %.3f) over %d steps, %.1f unlabeled images/s%@",
                         median, low, high, summary.samples.count, b / median, decodeMixed ? "" : " (mixed passes not decoded)"))
            print(phases.text("wrn-step", stepSeconds: median))
            print(String(format: "augmentation of the step's %d images (pad, crop, flip): %.2f ms, %.2f%% of the step",
                         2 * batch, augmentationSeconds * 1e3, augmentationSeconds / median * 100))
            print(String(format: "peak RSS %.0f MiB", peakResidentMebibytes()))
        }
    }

    /// The step divided among the processes `mpirun` started (``DividedStep``), the batch
    /// being the whole step's: the gradients are summed over the processes, blocking or
    /// overlapped with the backward pass, alternately.
    func runDivided(
        _ communicator: any Communicator, model: SemiSupervisedVAE, optimizer: any Optimizer,
        objective: any VariationalObjective, pool: [(labeled: LabeledBatch, unlabeled: Tensor)]
    ) throws {
        try DividedStep(communicator: communicator, model: model, objective: objective, optimizer: optimizer).run(
            "wrn-step", pool: pool, steps: max(3, steps), json: json
        ) { report in
            ["batch": batch, "unlabeled_images_per_s": Double(batch) / report.overlappedStep]
        }
    }
}
