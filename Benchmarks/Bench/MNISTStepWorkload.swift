import ArgumentParser
import Foundation
@_spi(Benchmarks) import SHOTVAE
import SHOTVAEDistributed

/// The `mnist-step` workload: one training step of the paper's MNIST convolutional VAE on 128
/// unlabeled and 4 labeled images with the loss of Benchmarks/peers/torch_mnist_vae.py (the
/// section 7 recipe: squared error, capacities, 50 · BCE on the labeled batch), its gradient
/// (one backward pass per half, as the trainer runs it) and an Adam step. `--objective shot`
/// times the full SHOT-VAE step instead.
struct MNISTStepWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-step", abstract: "One training step of the paper's MNIST VAE (128 + 4 images, Adam).")

    enum Objective: String, ExpressibleByArgument { case m2, shot }

    @Option(help: "m2: the PyTorch reference's loss; shot: the full SHOT-VAE step (four passes).")
    var objective: Objective = .m2

    @Option(help: "Seconds of timed steps.")
    var seconds = 10.0

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Timed steps of each kind (blocking, overlapped) under mpirun (the same on every process).")
    var dividedSteps = 40

    func run() throws {
        let communicator = try Launch.communicator()
        defer { Launch.finish(communicator) }
        var rng = RandomGenerator(seed: 1)
        let model = SemiSupervisedVAE.mnist(generator: &rng)
        let optimizer = Adam(parameters: model.parameters, learningRate: 5e-4)
        let lossFunction: any VariationalObjective = objective == .m2
            ? M2Objective(configuration: .mnistRecipe) : SHOTObjective(configuration: .mnist)
        // A pool of random batches in [-1, 1], made before timing (as the reference does).
        let pool = (0..<8).map { _ in
            (Tensor(uniform: [128, 1, 32, 32], in: -1...1, generator: &rng),
             LabeledBatch(images: Tensor(uniform: [4, 1, 32, 32], in: -1...1, generator: &rng),
                          labels: (0..<4).map { _ in rng.nextInt(below: 10) }))
        }
        if communicator.size > 1 {
            try runDivided(communicator, model: model, optimizer: optimizer, objective: lossFunction, pool: pool)
            return
        }
        var step = 0
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 2))
        func trainStep() {
            let (unlabeled, labeled) = pool[step % pool.count]
            let progress = TrainingProgress(epoch: 0, step: step, totalEpochs: 1)
            _ = lossFunction.accumulateGradients(
                model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context)
            optimizer.step()
            optimizer.zeroGradients()
            step += 1
        }
        let summary = Stopwatch(targetSeconds: seconds, minimumRepetitions: 20, maximumRepetitions: 100_000).median(trainStep)
        let median = summary.median
        let (low, high) = summary.spread
        let fmaPeak = MachineLimits.fmaPeak()
        let phases = PhaseReport(steps: 10, fmaPeak: fmaPeak, trainStep)
        let (inference, inferencePhases) = timeInference(model: model, fmaPeak: fmaPeak, rng: &rng)
        let inferenceSeconds = 1000 / inference
        if json {
            var object: [String: Any] = [
                "workload": "mnist-step", "objective": objective.rawValue, "median_ms": median * 1e3,
                "p10_ms": low * 1e3, "p90_ms": high * 1e3, "steps": summary.samples.count,
                "steps_per_s": 1 / median, "unlabeled_images_per_s": 128 / median,
                "peak_rss_mib": peakResidentMebibytes(), "infer_images_per_s": inference,
                "infer_performed_gflop": inferencePhases.performedGFLOP,
                "infer_fma_peak_fraction": inferencePhases.peakFraction(stepSeconds: inferenceSeconds),
                "infer_phases": inferencePhases.json(stepSeconds: inferenceSeconds)["phases"]!,
            ]
            object.merge(phases.json(stepSeconds: median)) { $1 }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            print(String(format: "mnist-step (%@): median %.2f ms (p10 %.2f, p90 %.2f) over %d steps, %.1f steps/s, %.0f unlabeled images/s",
                         objective.rawValue, median * 1e3, low * 1e3, high * 1e3, summary.samples.count,
                         1 / median, 128 / median))
            print(phases.text("mnist-step", stepSeconds: median))
            print(String(format: "mnist-infer: encoder at batch 1000, %.0f images/s", inference))
            print(inferencePhases.text("mnist-infer (1000 images)", stepSeconds: inferenceSeconds))
            print(String(format: "peak RSS %.0f MiB", peakResidentMebibytes()))
        }
    }

    /// The step divided among the processes `mpirun` started (``DividedStep``): each computes
    /// its share of the batches, and the gradients are summed over the processes, blocking or
    /// overlapped with the backward pass, alternately.
    func runDivided(
        _ communicator: any Communicator, model: SemiSupervisedVAE, optimizer: any Optimizer,
        objective: any VariationalObjective, pool: [(Tensor, LabeledBatch)]
    ) throws {
        try DividedStep(communicator: communicator, model: model, objective: objective, optimizer: optimizer).run(
            "mnist-step", pool: pool.map { (labeled: $0.1, unlabeled: $0.0) }, steps: dividedSteps, json: json
        ) { report in
            ["objective": objective is SHOTObjective ? "shot" : "m2", "steps_per_s": 1 / report.overlappedStep]
        }
    }

    /// Images per second of the encoder alone at batch 1,000 (inference mode, no graph), and
    /// the phases of such a pass.
    func timeInference(model: SemiSupervisedVAE, fmaPeak: Double, rng: inout RandomGenerator) -> (Double, PhaseReport) {
        let images = Variable(Tensor(uniform: [1000, 1, 32, 32], in: -1...1, generator: &rng))
        let context = ForwardContext.inference()
        func encode() { _ = model.encode(images, context: context) }
        let summary = Stopwatch(targetSeconds: 3, minimumRepetitions: 10, maximumRepetitions: 1000).median(encode)
        return (1000 / summary.median, PhaseReport(steps: 5, fmaPeak: fmaPeak, encode))
    }
}
