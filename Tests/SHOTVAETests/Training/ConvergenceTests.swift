import Foundation
import Testing

@testable import SHOTVAE

/// A small network must learn a toy problem quickly: the end-to-end check that layers,
/// gradients and optimizers work together.
@Suite struct ConvergenceTests {
    /// Two interleaving half circles (the "two moons" problem), seeded.
    func twoMoons(count: Int, generator: inout RandomGenerator) -> (Tensor, [Int]) {
        var points: [Float] = []
        var labels: [Int] = []
        for i in 0..<count {
            let label = i % 2
            let angle = Float.pi * generator.nextUniform()
            let x = label == 0 ? cos(angle) : 1 - cos(angle)
            let y = label == 0 ? sin(angle) : 0.5 - sin(angle)
            points += [x + 0.1 * generator.nextNormal(), y + 0.1 * generator.nextNormal()]
            labels.append(label)
        }
        return (Tensor(shape: [count, 2], scalars: points), labels)
    }

    @Test(arguments: ["adam", "sgd"])
    func smallNetworkFitsTwoMoons(optimizerName: String) {
        var rng = RandomGenerator(seed: 2021)
        let (x, labels) = twoMoons(count: 256, generator: &rng)
        var onehot = Tensor(shape: [256, 2])
        for (i, label) in labels.enumerated() { onehot[i, label] = 1 }
        let model = Sequential([
            Dense(inputCount: 2, outputCount: 32, generator: &rng), Tanh(),
            Dense(inputCount: 32, outputCount: 32, generator: &rng), ReLU(),
            Dense(inputCount: 32, outputCount: 2, generator: &rng),
        ])
        let optimizer: any Optimizer = optimizerName == "adam"
            ? Adam(parameters: model.parameters, learningRate: 0.02)
            : SGD(parameters: model.parameters, learningRate: 0.2, momentum: 0.9, nesterov: true)
        let context = ForwardContext(isTraining: true, generator: rng)
        let start = Date()
        for _ in 0..<300 {
            let loss = crossEntropy(logProbabilities: model(x, context: context).logSoftmax(), targets: onehot)
            loss.backward()
            optimizer.step()
            optimizer.zeroGradients()
        }
        let seconds = Date().timeIntervalSince(start)
        let logits = model(x, context: .inference()).value
        let correct = labels.indices.filter { (logits[$0, 1] > logits[$0, 0] ? 1 : 0) == labels[$0] }.count
        #expect(Double(correct) / 256 >= 0.97, "accuracy \(correct)/256")
        #expect(seconds < 2, "300 full-batch steps took \(seconds) s")
    }
}
