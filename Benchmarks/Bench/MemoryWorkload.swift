import ArgumentParser
import Foundation
import SHOTVAE

/// The `memory` workload: many SHOT-VAE training steps of the MLP VAE, sampling resident
/// memory, to show that it stays flat after warm-up (graphs are released every step, buffers
/// are reused).
struct MemoryWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Resident memory over many training steps of the MLP VAE.")

    @Option(help: "Training steps.")
    var steps = 1000

    @Option(help: "Steps between memory samples.")
    var interval = 100

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard steps > 0, interval > 0 else { throw ValidationError("--steps and --interval must be positive.") }
    }

    func run() throws {
        var rng = RandomGenerator(seed: 1)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 28, 28], hiddenCount: 256, generator: &rng)
        let optimizer = Adam(parameters: model.parameters, learningRate: 1e-3)
        let objective = SHOTObjective(configuration: .mnist)
        let pool = (0..<4).map { _ in
            (LabeledBatch(images: Tensor(uniform: [8, 1, 28, 28], in: -1...1, generator: &rng), labels: (0..<8).map { $0 % 10 }),
             Tensor(uniform: [64, 1, 28, 28], in: -1...1, generator: &rng))
        }
        let context = ForwardContext(isTraining: true, generator: rng.split())
        var samples: [[String: Double]] = []
        let start = Date()
        for step in 0..<steps {
            let (labeled, unlabeled) = pool[step % pool.count]
            _ = objective.accumulateGradients(
                model: model, labeled: labeled, unlabeled: unlabeled,
                progress: TrainingProgress(epoch: 0, step: step, totalEpochs: 1), context: context)
            optimizer.step()
            optimizer.zeroGradients()
            if (step + 1) % interval == 0 { samples.append(["step": Double(step + 1), "resident_mib": residentMebibytes()]) }
        }
        let values = samples.compactMap { $0["resident_mib"] }
        let growth = (values.max() ?? 0) - (values.first ?? 0)
        if json {
            let object: [String: Any] = [
                "workload": "memory", "steps": steps, "seconds": Date().timeIntervalSince(start),
                "samples": samples, "growth_after_first_sample_mib": growth,
            ]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            print("resident memory (MiB) every \(interval) steps: " + values.map { String(format: "%.1f", $0) }.joined(separator: " "))
            print(String(format: "growth after the first sample: %.1f MiB over %d steps", growth, steps))
        }
    }
}
