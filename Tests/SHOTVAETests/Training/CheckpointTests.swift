import Foundation
import Testing

@testable import SHOTVAE

@Suite struct CheckpointTests {
    let scratch = TemporaryFolder()

    /// A small model with parameters and batch-norm buffers.
    func makeModel(seed: UInt64) -> Sequential {
        var rng = RandomGenerator(seed: seed)
        return Sequential([
            Dense(inputCount: 4, outputCount: 8, generator: &rng), BatchNorm(featureCount: 8), Tanh(),
            Dense(inputCount: 8, outputCount: 3, generator: &rng),
        ])
    }

    /// One training step on data drawn from `data`.
    func trainStep(_ model: Sequential, _ optimizer: any Optimizer, _ data: inout RandomGenerator) {
        let x = Tensor(normal: [16, 4], generator: &data)
        let target = Tensor(normal: [16, 3], generator: &data)
        let context = ForwardContext(isTraining: true, generator: data.split())
        let loss = meanSquaredError(prediction: model(x, context: context), targets: target, reduction: .batchMean)
        loss.backward()
        optimizer.step()
        optimizer.zeroGradients()
    }

    @Test func roundTripKeepsEverything() throws {
        let model = makeModel(seed: 1)
        let optimizer = Adam(parameters: model.parameters)
        var data = RandomGenerator(seed: 2)
        for _ in 0..<2 { trainStep(model, optimizer, &data) }
        let checkpoint = Checkpoint(
            model: model, optimizer: optimizer, generators: ["data": data.state],
            counters: ["epoch": 3, "step": 42], configuration: #"{"labels":100}"#)
        let url = scratch.file("checkpoint.safetensors")
        try checkpoint.write(to: url)
        let loaded = try Checkpoint(contentsOf: url)
        #expect(loaded.parameters.map(\.name) == model.namedParameters.map(\.name))
        #expect(loaded.buffers.map(\.name) == ["1.running_mean", "1.running_var"])
        #expect(zip(loaded.parameters, model.parameters).allSatisfy { $0.value == $1.value })
        #expect(loaded.optimizerState == optimizer.state)
        #expect(loaded.generators == ["data": data.state])
        #expect(loaded.counters == ["epoch": 3, "step": 42])
        #expect(loaded.configuration == #"{"labels":100}"#)
    }

    @Test(arguments: ["sgd", "adam"])
    func resumedRunContinuesBitForBit(optimizerName: String) throws {
        func makeOptimizer(_ model: Sequential) -> any Optimizer {
            optimizerName == "sgd"
                ? SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true)
                : Adam(parameters: model.parameters, learningRate: 1e-2)
        }
        // Uninterrupted: six steps.
        let reference = makeModel(seed: 1)
        let referenceOptimizer = makeOptimizer(reference)
        var referenceData = RandomGenerator(seed: 7)
        for _ in 0..<6 { trainStep(reference, referenceOptimizer, &referenceData) }

        // Interrupted after three steps, resumed into a fresh model and optimizer.
        let first = makeModel(seed: 1)
        let firstOptimizer = makeOptimizer(first)
        var data = RandomGenerator(seed: 7)
        for _ in 0..<3 { trainStep(first, firstOptimizer, &data) }
        let url = scratch.file("resume.safetensors")
        try Checkpoint(model: first, optimizer: firstOptimizer, generators: ["data": data.state]).write(to: url)

        let resumed = makeModel(seed: 99)
        let resumedOptimizer = makeOptimizer(resumed)
        let checkpoint = try Checkpoint(contentsOf: url)
        try checkpoint.restore(model: resumed, optimizer: resumedOptimizer)
        var resumedData = RandomGenerator(state: checkpoint.generators["data"]!)
        for _ in 0..<3 { trainStep(resumed, resumedOptimizer, &resumedData) }

        for (a, b) in zip(reference.namedParameters, resumed.namedParameters) {
            #expect(a.parameter.value == b.parameter.value, "\(a.name) differs after resuming")
        }
        for (a, b) in zip(reference.namedBuffers, resumed.namedBuffers) {
            #expect(a.buffer.value == b.buffer.value, "\(a.name) differs after resuming")
        }
    }

    @Test func mismatchesNameTheFirstOffendingTensor() throws {
        let url = scratch.file("small.safetensors")
        try Checkpoint(model: makeModel(seed: 1)).write(to: url)
        let checkpoint = try Checkpoint(contentsOf: url)
        var rng = RandomGenerator(seed: 3)

        let wider = Sequential([
            Dense(inputCount: 4, outputCount: 9, generator: &rng), BatchNorm(featureCount: 9), Tanh(),
            Dense(inputCount: 9, outputCount: 3, generator: &rng),
        ])
        let before = wider.parameters.map(\.value)
        #expect(throws: SHOTVAEError(.mismatch, "parameter \"0.weight\" has shape [8, 4] in the checkpoint, the model expects [9, 4]")) {
            try checkpoint.restore(model: wider)
        }
        #expect(wider.parameters.map(\.value) == before, "a failed restore must change nothing")

        let deeper = Sequential([makeModel(seed: 4), Dense(inputCount: 3, outputCount: 2, generator: &rng)])
        #expect(throws: SHOTVAEError(.mismatch, "the model's parameter \"0.0.weight\" is missing from the checkpoint")) {
            try checkpoint.restore(model: deeper)
        }
        let smaller = Sequential([Dense(inputCount: 4, outputCount: 8, generator: &rng), BatchNorm(featureCount: 8)])
        #expect(throws: SHOTVAEError(.mismatch, "the checkpoint has a parameter \"3.bias\" that the model does not have")) {
            try checkpoint.restore(model: smaller)
        }
    }

    @Test func plainSafeTensorsFileIsNotACheckpoint() throws {
        let url = scratch.file("plain.safetensors")
        var file = SafeTensors()
        file["w"] = Tensor(shape: [1])
        try file.write(to: url)
        do {
            _ = try Checkpoint(contentsOf: url)
            Issue.record("expected an error")
        } catch let error as SHOTVAEError {
            #expect(error.description == "\(url.path): not a SHOTVAE checkpoint (metadata \"format\" is missing)")
        }
    }

    /// Random bytes (any file given to `--resume` by mistake) are named as not a checkpoint,
    /// with the safetensors reader's detail; a missing file stays a file-system error.
    @Test func randomBytesAreNotACheckpoint() throws {
        let url = scratch.file("noise.bin")
        var noise = RandomGenerator(seed: 7)
        let bytes = (0..<512).flatMap { _ in withUnsafeBytes(of: noise.next().littleEndian) { Array($0) } }
        try Data(bytes).write(to: url)
        let declared = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(
            throws: SHOTVAEError(
                .invalidFile, path: url.path,
                "not a SHOTVAE checkpoint (not a valid safetensors file: header length \(declared) "
                    + "exceeds the limit of 100000000 bytes)")
        ) {
            try Checkpoint(contentsOf: url)
        }
        let missing = scratch.file("missing.safetensors")
        do {
            _ = try Checkpoint(contentsOf: missing)
            Issue.record("expected an error")
        } catch let error as SHOTVAEError {
            #expect(error.kind == .fileSystem && error.path == missing.path)
        }
    }

    /// A failure between writing the new file and renaming it over the old one (the moment a
    /// kill would hurt most) leaves the previous checkpoint complete and loadable.
    @Test func interruptedWriteLeavesThePreviousCheckpoint() throws {
        let url = scratch.file("checkpoint.safetensors")
        let model = makeModel(seed: 1)
        try Checkpoint(model: model, counters: ["epoch": 1]).write(to: url)
        struct Killed: Error {}
        #expect(throws: Killed.self) {
            try AtomicFile.write(Checkpoint(model: makeModel(seed: 2), counters: ["epoch": 2]).safeTensors().serialized(), to: url) {
                throw Killed()
            }
        }
        let survivor = try Checkpoint(contentsOf: url)
        #expect(survivor.counters["epoch"] == 1)
        try survivor.restore(model: makeModel(seed: 3))
    }
}
