import Foundation
import Testing

@testable import SHOTVAE

/// Loading weights by name (strict and not, with a name mapping and value factors, from every
/// floating-point type), exporting them, and the round trip with PyTorch's reference models
/// (Fixtures/torch_weights.py, Debian's python3-torch): PyTorch's MNIST VAE loaded here gives
/// PyTorch's outputs, this model's weights exported in PyTorch's names give this model's
/// outputs in PyTorch, and the WideResNet mapping names every tensor of the reference's
/// `state_dict` with its shape.
@Suite(.serialized) struct LayerWeightsTests {
    let scratch = TemporaryFolder()

    func entry(_ type: SafeTensors.DataType, _ shape: [Int], _ words: [UInt64]) -> SafeTensors.Entry {
        let bytes = words.flatMap { word in (0..<type.byteCount).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
        return SafeTensors.Entry(dataType: type, shape: shape, bytes: bytes)
    }

    @Test func floatingPointTypesConvertAndIntegersRead() throws {
        var file = SafeTensors()
        // 1.5, -2 and 65504 in half precision; 1.5 and -0.15625 in bfloat16; 0.1 in double.
        file.set("half", entry(.float16, [3], [0x3E00, 0xC000, 0x7BFF]))
        file.set("brain", entry(.bfloat16, [2], [0x3FC0, 0xBE20]))
        file.set("double", entry(.float64, [1], [(0.1).bitPattern]))
        file.set("long", entry(.int64, [2], [UInt64(bitPattern: -3), 7]))
        file.set("int", entry(.int32, [], [UInt64(UInt32(bitPattern: -9))]))
        file.set("bytes", entry(.uint8, [1], [1]))
        #expect(try file.floats(named: "half").scalars == [1.5, -2, 65504])
        #expect(try file.floats(named: "brain").scalars == [1.5, -0.15625])
        #expect(try file.floats(named: "double").scalars == [Float(0.1)])
        #expect(try file.integers(named: "long").values == [-3, 7])
        #expect(try file.integers(named: "int") == ([], [-9]) as ([Int], [Int]))
        #expect(throws: SHOTVAEError.self) { try file.floats(named: "long") }
        #expect(throws: SHOTVAEError.self) { try file.integers(named: "bytes") }
    }

    /// Strict loading refuses any difference and changes nothing; non-strict loading takes
    /// what fits and reports the rest.
    @Test func strictAndLenientLoadingReportDifferences() throws {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Dense(inputCount: 3, outputCount: 2, generator: &rng), BatchNorm(featureCount: 2)])
        let before = model.namedParameters.map { $0.parameter.value }
        var file = model.exportedWeights()
        #expect(file.names == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"])
        file["0.weight"] = Tensor(shape: [3, 2], repeating: 1)  // transposed
        file["1.bias"] = nil
        file["extra"] = Tensor(shape: [1])
        file["0.bias"] = Tensor(shape: [2], repeating: 4)
        do {
            try model.loadWeights(from: file, source: "torch.safetensors")
            Issue.record("a strict load of weights that do not fit succeeded")
        } catch let error as SHOTVAEError {
            #expect(error.kind == .mismatch && error.path == "torch.safetensors")
            for part in ["missing in the file: 1.bias", "unexpected in the file: extra", "0.weight (file: 0.weight): shape [3, 2] in the file, [2, 3] in the model"] {
                #expect(error.reason.contains(part), "\(error.reason)")
            }
        }
        #expect(model.namedParameters.map { $0.parameter.value } == before, "a refused load changed the model")

        let report = try model.loadWeights(from: file, strict: false)
        #expect(report.loaded == ["0.bias", "1.weight", "1.running_mean", "1.running_var"])
        #expect(report.missing == ["1.bias"] && report.unexpected == ["extra"] && report.mismatched.map(\.name) == ["0.weight"])
        #expect(model.namedParameters[1].parameter.value.scalars == [4, 4])
        #expect(model.namedParameters[0].parameter.value == before[0])
    }

    /// A mapping renames and scales on the way in and inverts both on the way out; PyTorch's
    /// batch counters are skipped when loading and written when exporting.
    @Test func mappingRenamesScalesAndCountsBatches() throws {
        var rng = RandomGenerator(seed: 2)
        let model = Sequential([Dense(inputCount: 2, outputCount: 2, generator: &rng), BatchNorm(featureCount: 2)])
        let mapping = WeightNameMapping(countsBatchNormBatches: true) { name in
            name.hasPrefix("0.") ? ("fc." + name.dropFirst(2), 2) : ("bn." + name.dropFirst(2), 1)
        }
        let exported = model.exportedWeights(mapping: mapping)
        #expect(exported.names == ["fc.weight", "fc.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        #expect(try exported.integers(named: "bn.num_batches_tracked") == ([], [0]) as ([Int], [Int]))
        #expect(try exported.floats(named: "fc.weight").scalars == model.namedParameters[0].parameter.value.scalars.map { $0 * 2 })
        let other = Sequential([Dense(inputCount: 2, outputCount: 2, generator: &rng), BatchNorm(featureCount: 2)])
        let report = try other.loadWeights(from: exported, mapping: mapping)
        #expect(report.isComplete && report.loaded.count == 6)
        for (a, b) in zip(model.namedParameters, other.namedParameters) { #expect(a.parameter.value == b.parameter.value) }
    }

    // MARK: - PyTorch

    func python(_ arguments: [String]) throws {
        try runFixtureScript("torch_weights.py", arguments, needs: "python3-torch")
    }

    /// μ, log σ², log α and the decoder's output of `model` on the reference's inputs, under the
    /// names torch_weights.py writes.
    func outputs(_ model: SemiSupervisedVAE, inputs: SafeTensors) throws -> [String: Tensor] {
        let context = ForwardContext.inference()
        let posterior = model.encode(Variable(try inputs.floats(named: "images")), context: context)
        // The reference's latents are [z, y] side by side, 10 columns each.
        let latents = try inputs.floats(named: "latents").scalars
        let rows = latents.count / 20
        let columns = { (range: Range<Int>) in
            Variable(Tensor(shape: [rows, 10], scalars: (0..<rows).flatMap { row in range.map { latents[row * 20 + $0] } }))
        }
        let (z, y) = (columns(0..<10), columns(10..<20))
        return [
            "mean": posterior.mean.value, "logvar": posterior.logSigma.value.map(vector: { $0 * 2 }, scalar: { $0 * 2 }),
            "log_probabilities": posterior.logProbabilities.value,
            "decoded": model.decode(z: z, y: y, context: context).value,
        ]
    }

    @Test func pytorchWeightsRoundTrip() throws {
        let folder = scratch.url
        try python(["export", folder.path])
        let inputs = try SafeTensors(contentsOf: folder.appendingPathComponent("torch_outputs.safetensors"))

        // PyTorch -> SHOTVAE: the reference's outputs, from F32 and from mixed types.
        for (weights, expected) in [("torch_mnist", "torch_outputs"), ("torch_mnist_mixed", "torch_mixed_outputs")] {
            var rng = RandomGenerator(seed: 3)
            let model = SemiSupervisedVAE.mnist(generator: &rng)
            let report = try model.loadWeights(contentsOf: folder.appendingPathComponent(weights + ".safetensors"), mapping: .pytorchMNIST)
            #expect(report.isComplete && report.loaded.count == model.namedParameters.count)
            let reference = try SafeTensors(contentsOf: folder.appendingPathComponent(expected + ".safetensors"))
            for (name, value) in try outputs(model, inputs: inputs) {
                expectClose(value, try reference.floats(named: name), relative: 1e-4, absolute: 1e-5, "\(weights): \(name)")
            }
        }

        // SHOTVAE -> PyTorch: this model's outputs from PyTorch, after a strict load_state_dict.
        var rng = RandomGenerator(seed: 4)
        let model = SemiSupervisedVAE.mnist(meanPixel: -0.5, generator: &rng)
        try model.exportedWeights(mapping: .pytorchMNIST).write(to: folder.appendingPathComponent("shotvae_mnist.safetensors"))
        try python(["import", folder.path])
        let reimported = try SafeTensors(contentsOf: folder.appendingPathComponent("torch_reimport.safetensors"))
        for (name, value) in try outputs(model, inputs: inputs) {
            expectClose(try reimported.floats(named: name), value, relative: 1e-4, absolute: 1e-5, "re-imported: \(name)")
        }

        // The WideResNet mapping: exactly the reference's state_dict, names, shapes and types.
        let keys = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("torch_wrn_keys.json"))) as? [String: [String: Any]] ?? [:]
        #expect(keys.count > 200)
        var wrnGenerator = RandomGenerator(seed: 5)
        let exported = SemiSupervisedVAE.cifar(generator: &wrnGenerator).exportedWeights(mapping: .pytorchWideResNet)
        #expect(Set(exported.names) == Set(keys.keys))
        for name in exported.names {
            let entry = try exported.entry(named: name)
            #expect(keys[name]?["shape"] as? [Int] == entry.shape && keys[name]?["dtype"] as? String == entry.dataType.rawValue, "\(name)")
        }
    }
}
