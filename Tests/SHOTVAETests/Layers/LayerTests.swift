import Testing

@testable import SHOTVAE

@Suite struct LayerTests {
    /// A layer written outside the library, as in the DocC article "Writing a custom layer".
    final class Scale: Layer {
        let factor = Parameter(Tensor(shape: [1], repeating: 2))
        var localParameters: [(name: String, parameter: Parameter)] { [("factor", factor)] }
        func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
            input * context.variable(factor)
        }
    }

    @Test func parametersHaveDottedNamesInAStableOrder() {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential(named: [
            ("encoder", Sequential([Dense(inputCount: 3, outputCount: 4, generator: &rng), ReLU(), BatchNorm(featureCount: 4)])),
            ("scale", Scale()),
            ("head", Residual(body: Dense(inputCount: 4, outputCount: 4, hasBias: false, generator: &rng))),
        ])
        #expect(model.namedParameters.map(\.name) == [
            "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias", "scale.factor", "head.body.weight",
        ])
        #expect(model.namedBuffers.map(\.name) == ["encoder.2.running_mean", "encoder.2.running_var"])
        #expect(model.parameterCount == 12 + 4 + 4 + 4 + 1 + 16)
    }

    @Test func sharedParametersAppearOnce() {
        var rng = RandomGenerator(seed: 2)
        let shared = Dense(inputCount: 2, outputCount: 2, generator: &rng)
        let model = Sequential([shared, ReLU(), shared])
        #expect(model.parameters.count == 2)
    }

    @Test func customLayerTrainsThroughItsParameter() {
        let layer = Scale()
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 0))
        let y = layer(Tensor(shape: [3], scalars: [1, 2, 3]), context: context)
        y.sum().backward()
        #expect(layer.factor.gradient?.scalars == [6])
    }

    @Test func inferenceRecordsNoGraph() {
        var rng = RandomGenerator(seed: 3)
        let model = Sequential([Dense(inputCount: 3, outputCount: 2, generator: &rng), Tanh()])
        let y = model(Tensor(shape: [1, 3], repeating: 1), context: .inference())
        #expect(!y.requiresGradient)
        #expect(model.parameters.allSatisfy { $0.gradient == nil })
    }

    /// PyTorch's default initialisation: weights and biases in `±1/√fanIn`, uniformly.
    @Test func defaultInitializationMatchesPyTorch() {
        var rng = RandomGenerator(seed: 4)
        let cases: [(String, Tensor, Float)] = [
            ("dense", Dense(inputCount: 50, outputCount: 400, generator: &rng).weight.value, 1 / Float(50).squareRoot()),
            ("conv", Conv2D(inputChannels: 8, outputChannels: 64, kernelSize: 3, generator: &rng).weight.value, 1 / Float(72).squareRoot()),
            // A transposed convolution's fan-in counts its output channels, as in PyTorch.
            ("transposed", ConvTranspose2D(inputChannels: 64, outputChannels: 8, kernelSize: 4, generator: &rng).weight.value, 1 / Float(128).squareRoot()),
            ("conv bias", Conv2D(inputChannels: 2, outputChannels: 5000, kernelSize: 2, generator: &rng).bias!.value, 1 / Float(8).squareRoot()),
        ]
        for (name, weights, bound) in cases {
            let values = weights.scalars
            #expect(values.allSatisfy { abs($0) <= bound }, "\(name) exceeds ±\(bound)")
            let variance = values.reduce(0) { $0 + Double($1 * $1) } / Double(values.count)
            let expected = Double(bound * bound) / 3
            #expect(abs(variance - expected) < 0.05 * expected, "\(name) variance \(variance), expected \(expected)")
        }
    }

    @Test func initializersHaveTheirVariance() {
        var rng = RandomGenerator(seed: 5)
        let shape = [256, 128, 3, 3]  // fan-in 1152, fan-out 2304
        func variance(_ initializer: WeightInitializer) -> Double {
            let values = initializer.makeWeight(shape: shape, generator: &rng).scalars
            return values.reduce(0) { $0 + Double($1 * $1) } / Double(values.count)
        }
        let cases: [(WeightInitializer, Double)] = [
            (.kaimingNormal(negativeSlope: 0), 2.0 / 1152),
            (.kaimingUniform(negativeSlope: 0), 2.0 / 1152),
            (.xavierUniform(gain: 1), 2.0 / 3456),
            (.xavierNormal(gain: 1), 2.0 / 3456),
            (.normal(mean: 0, standardDeviation: 0.02), 0.0004),
        ]
        for (initializer, expected) in cases {
            let measured = variance(initializer)
            #expect(abs(measured - expected) < 0.02 * expected, "\(initializer): \(measured) vs \(expected)")
        }
    }

    @Test func dropoutScalesInTrainingAndPassesThroughInInference() {
        let layer = Dropout(probability: 0.25)
        let x = Tensor(shape: [100_000], repeating: 1)
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 6))
        let y = layer(x, context: context).value.scalars
        let kept = y.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        #expect(abs(Double(kept.count) / 100_000 - 0.75) < 0.01)
        let inference = layer(x, context: .inference()).value
        #expect(inference == x)
        // Same seed, same mask.
        let again = layer(x, context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: 6))).value.scalars
        #expect(again == y)
    }

    @Test func batchNormUsesBatchStatisticsOnlyInTraining() {
        let layer = BatchNorm(featureCount: 2)
        let x = Tensor(shape: [4, 2], scalars: [1, 10, 2, 20, 3, 30, 4, 40])
        let trained = layer(x, context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: 0))).value
        // Each column normalized to mean 0 and (biased) variance 1.
        expectClose(Variable(trained).mean(alongAxes: [0]).value, Tensor(shape: [2], repeating: 0), absolute: 1e-5)
        // Running statistics moved by momentum 0.1 towards mean (2.5, 25) and unbiased variance.
        expectClose(layer.runningMean.value, Tensor(shape: [2], scalars: [0.25, 2.5]))
        expectClose(layer.runningVariance.value, Tensor(shape: [2], scalars: [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 500 / 3]), relative: 1e-5)
        let before = layer.runningMean.value
        let inferred = layer(x, context: .inference()).value
        #expect(layer.runningMean.value == before)
        // In inference: (x - running mean) / sqrt(running variance + eps).
        let expected = (x.scalars[0] - 0.25) / (0.9 + 0.5 / 3 + 1e-5).squareRoot()
        expectClose(inferred[0, 0], expected, relative: 1e-5)
    }
}
