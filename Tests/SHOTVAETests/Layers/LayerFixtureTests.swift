import Foundation
import Testing

@testable import SHOTVAE

/// Layers and compositions against PyTorch modules with the same weights: parameter names
/// (which must equal PyTorch's `state_dict` keys), outputs, gradients of the input and of
/// every parameter, and batch-norm running statistics after the pass. Tolerance as in
/// ``PyTorchFixtureTests``: `1e-4 + 1e-4 · |torch|`.
@Suite struct LayerFixtureTests {
    /// Loads the fixture's weights into `model`, runs it, and compares everything.
    func check(_ name: String, _ model: any Layer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = try SafeTensors(contentsOf: fixtureURL(name + ".safetensors"))
        let training = file.metadata["training"] == "1"
        let fixtureParameters = Set(file.names.filter { $0.hasPrefix("param/") }.map { String($0.dropFirst(6)) })
        let fixtureBuffers = Set(file.names.filter { $0.hasPrefix("buffer_before/") }.map { String($0.dropFirst(14)) })
        #expect(Set(model.namedParameters.map(\.name)) == fixtureParameters, "parameter names", sourceLocation: sourceLocation)
        #expect(Set(model.namedBuffers.map(\.name)) == fixtureBuffers, "buffer names", sourceLocation: sourceLocation)
        for (key, parameter) in model.namedParameters { parameter.value = try file.tensor(named: "param/" + key) }
        for (key, buffer) in model.namedBuffers { buffer.value = try file.tensor(named: "buffer_before/" + key) }

        let context = ForwardContext(isTraining: training, recordsGradients: true, generator: RandomGenerator(seed: 0))
        let x = Variable(try file.tensor(named: "input"), requiresGradient: true)
        let y = model(x, context: context)
        let (r, a) = (PyTorchFixtureTests.relative, PyTorchFixtureTests.absolute)
        expectClose(y.value, try file.tensor(named: "output"), relative: r, absolute: a, "\(name) output", sourceLocation: sourceLocation)
        y.backward(gradient: try file.tensor(named: "grad_output"))
        expectClose(x.gradient!, try file.tensor(named: "grad_input"), relative: r, absolute: a, "\(name) input gradient", sourceLocation: sourceLocation)
        for (key, parameter) in model.namedParameters {
            expectClose(parameter.gradient!, try file.tensor(named: "grad/" + key), relative: r, absolute: a, "\(name) gradient of \(key)", sourceLocation: sourceLocation)
        }
        for (key, buffer) in model.namedBuffers {
            expectClose(buffer.value, try file.tensor(named: "buffer_after/" + key), relative: r, absolute: a, "\(name) buffer \(key)", sourceLocation: sourceLocation)
        }
    }

    func encoder() -> Sequential {
        var rng = RandomGenerator(seed: 1)
        return Sequential([
            Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1, generator: &rng),
            BatchNorm(featureCount: 4), LeakyReLU(negativeSlope: 0.1),
            Conv2D(inputChannels: 4, outputChannels: 8, kernelSize: 3, padding: 1, generator: &rng),
            ReLU(), Flatten(), Dense(inputCount: 128, outputCount: 10, generator: &rng), Tanh(),
        ])
    }

    @Test func encoderInTraining() throws {
        try check("layers_encoder_train", encoder())
    }

    @Test func encoderInInference() throws {
        try check("layers_encoder_eval", encoder())
    }

    @Test func decoder() throws {
        var rng = RandomGenerator(seed: 2)
        try check("layers_decoder_train", Sequential([
            ConvTranspose2D(inputChannels: 3, outputChannels: 4, kernelSize: 4, stride: 2, padding: 1, generator: &rng),
            BatchNorm(featureCount: 4), ReLU(),
            ConvTranspose2D(inputChannels: 4, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1, hasBias: false, generator: &rng),
            Sigmoid(),
        ]))
    }

    @Test func residualWithProjection() throws {
        var rng = RandomGenerator(seed: 3)
        try check("layers_residual_train", Residual(
            body: Sequential([
                BatchNorm(featureCount: 3), LeakyReLU(negativeSlope: 0.1),
                Conv2D(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 2, padding: 1, hasBias: false, generator: &rng),
            ]),
            shortcut: Conv2D(inputChannels: 3, outputChannels: 5, kernelSize: 1, stride: 2, hasBias: false, generator: &rng)))
    }

    @Test func residualWithIdentity() throws {
        var rng = RandomGenerator(seed: 4)
        try check("layers_residual_identity", Residual(body: Sequential([Dense(inputCount: 6, outputCount: 6, generator: &rng), Sigmoid()])))
    }

    @Test func pooledWithOneDimensionalBatchNorm() throws {
        var rng = RandomGenerator(seed: 5)
        try check("layers_pooled_train", Sequential([
            Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 1, generator: &rng), BatchNorm(featureCount: 3),
            GlobalAveragePooling(), Flatten(), BatchNorm(featureCount: 3), Dense(inputCount: 3, outputCount: 2, generator: &rng),
        ]))
    }
}
