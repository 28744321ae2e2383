import Foundation

/// Everything a run needs to continue exactly: parameters, buffers, optimizer state, random
/// generator states, counters (epoch, step) and the run's configuration.
///
/// A checkpoint is one safetensors file. Parameters and buffers are stored under their dotted
/// names as `F32`, like a PyTorch `state_dict`; optimizer tensors under `optimizer/<key>`;
/// generator states as `U64` under `generator/<name>`; integer sequences (a loader's order) as
/// `U64` under `sequence/<name>`. The header's `__metadata__` holds the
/// configuration (JSON), the counters, the measurements and the list of buffer names. Writes are atomic: a
/// crash leaves the previous checkpoint intact. The file loads in Python with
/// `safetensors.numpy.load_file` (see Documentation/Checkpoints.md).
///
/// ```swift
/// let checkpoint = Checkpoint(model: model, optimizer: optimizer,
///                             generators: ["training": rng.state], counters: ["epoch": 3])
/// try checkpoint.write(to: url)
/// let loaded = try Checkpoint(contentsOf: url)
/// try loaded.restore(model: model, optimizer: optimizer)
/// ```
public struct Checkpoint: Sendable {
    /// The format tag written into the metadata.
    public static let format = "shotvae-checkpoint/1"

    /// The largest counter value a checkpoint may hold (2^53): a run never counts that far, and
    /// a larger stored step (up to `Int.max`) would overflow when training goes on.
    static let maximumCounter = 1 << 53

    /// Parameter values by dotted name, in the model's order.
    public var parameters: [(name: String, value: Tensor)]
    /// Buffer values by dotted name, in the model's order.
    public var buffers: [(name: String, value: Tensor)]
    /// The optimizer's state.
    public var optimizerState: OptimizerState
    /// Random generator states by name.
    public var generators: [String: RandomGenerator.State]
    /// Integer counters by name (epoch, step, ...); reading a checkpoint accepts values in 0...2^53.
    public var counters: [String: Int]
    /// Integer sequences by name (a data loader's order, ...).
    public var sequences: [String: [Int]]
    /// Real-valued running statistics by name (the loss sums of an epoch in progress, ...).
    public var measurements: [String: Double]
    /// The run's configuration, as JSON text.
    public var configuration: String

    /// Captures the current state of a run.
    ///
    /// - Parameters:
    ///   - model: The model whose parameters and buffers to save.
    ///   - optimizer: The optimizer whose state to save, if any.
    ///   - generators: Random generator states by name.
    ///   - counters: Integer counters by name, such as `epoch` and `step`.
    ///   - sequences: Integer sequences by name, such as a loader's order.
    ///   - measurements: Real-valued running statistics by name; finite values only.
    ///   - configuration: The run's configuration as JSON text.
    public init(
        model: any Layer, optimizer: (any Optimizer)? = nil, generators: [String: RandomGenerator.State] = [:],
        counters: [String: Int] = [:], sequences: [String: [Int]] = [:], measurements: [String: Double] = [:],
        configuration: String = "{}"
    ) {
        precondition(measurements.values.allSatisfy(\.isFinite), "Checkpoint measurements must be finite.")
        parameters = model.namedParameters.map { ($0.name, $0.parameter.value) }
        buffers = model.namedBuffers.map { ($0.name, $0.buffer.value) }
        optimizerState = optimizer?.state ?? OptimizerState()
        self.generators = generators
        self.counters = counters
        self.sequences = sequences
        self.measurements = measurements
        self.configuration = configuration
    }

    /// Writes the checkpoint atomically.
    ///
    /// - Throws: ``SHOTVAEError`` when the file system refuses.
    public func write(to url: URL) throws {
        try AtomicFile.write(safeTensors().serialized(), to: url)
    }

    /// The checkpoint as a safetensors set.
    public func safeTensors() -> SafeTensors {
        var file = SafeTensors()
        for (name, value) in parameters { file[name] = value }
        for (name, value) in buffers { file[name] = value }
        for key in optimizerState.tensors.keys.sorted() { file["optimizer/" + key] = optimizerState.tensors[key] }
        for name in generators.keys.sorted() { file.set("generator/" + name, unsignedIntegers: generators[name]!.words) }
        for name in sequences.keys.sorted() {
            file.set("sequence/" + name, unsignedIntegers: sequences[name]!.map { UInt64(bitPattern: Int64($0)) })
        }
        file.metadata["format"] = Checkpoint.format
        file.metadata["configuration"] = configuration
        file.metadata["counters"] = Checkpoint.encode(counters)
        if !measurements.isEmpty { file.metadata["measurements"] = Checkpoint.encode(measurements) }
        file.metadata["optimizer_counters"] = Checkpoint.encode(optimizerState.counters)
        file.metadata["buffers"] = Checkpoint.encode(buffers.map(\.name))
        return file
    }

    /// Reads a checkpoint.
    ///
    /// - Throws: ``SHOTVAEError`` naming the file and the problem when it cannot be read or is
    ///   not a valid SHOTVAE checkpoint, for example
    ///   `notes.txt: not a SHOTVAE checkpoint (not a valid safetensors file: header length
    ///   7359009851570397281 exceeds the limit of 100000000 bytes)`.
    public init(contentsOf url: URL) throws {
        let file: SafeTensors
        do {
            file = try SafeTensors(contentsOf: url)
        } catch let error as SHOTVAEError where error.kind == .invalidFile {
            // Any file can be given where a checkpoint is expected (`--resume`): say what the
            // file should have been before the safetensors reader's detail.
            let reason = "not a SHOTVAE checkpoint (not a valid safetensors file: \(error.reason))"
            throw SHOTVAEError(.invalidFile, path: url.path, reason)
        }
        do {
            try self.init(file)
        } catch let error as SHOTVAEError {
            throw SHOTVAEError(error.kind, path: url.path, error.reason)
        }
    }

    /// Interprets a safetensors set as a checkpoint.
    init(_ file: SafeTensors) throws {
        guard file.metadata["format"] == Checkpoint.format else {
            throw SHOTVAEError(.invalidFile, "not a SHOTVAE checkpoint (metadata \"format\" is \(file.metadata["format"].map { "\"\($0)\"" } ?? "missing"))")
        }
        let bufferNames = Set(try Checkpoint.decode([String].self, file.metadata["buffers"], "buffers"))
        counters = try Checkpoint.decode([String: Int].self, file.metadata["counters"], "counters")
        configuration = file.metadata["configuration"] ?? "{}"
        measurements = file.metadata["measurements"] == nil
            ? [:] : try Checkpoint.decode([String: Double].self, file.metadata["measurements"], "measurements")
        parameters = []
        buffers = []
        optimizerState = OptimizerState(
            counters: try Checkpoint.decode([String: Int].self, file.metadata["optimizer_counters"], "optimizer_counters"))
        for (key, values) in [("counters", counters), ("optimizer_counters", optimizerState.counters)] {
            let sorted = values.sorted { $0.key < $1.key }
            if let bad = sorted.first(where: { !(0...Checkpoint.maximumCounter).contains($0.value) }) {
                throw SHOTVAEError(
                    .invalidFile,
                    "metadata \"\(key)\": counter \"\(bad.key)\" is \(bad.value); counters must lie in 0...2^53 "
                        + "(a count below or beyond that is corrupt, and counting on from it would overflow)")
            }
        }
        generators = [:]
        sequences = [:]
        for name in file.names {
            if name.hasPrefix("sequence/") {
                let values = try file.unsignedIntegers(named: name).map { Int(Int64(bitPattern: $0)) }
                sequences[String(name.dropFirst("sequence/".count))] = values
                continue
            }
            if name.hasPrefix("generator/") {
                let words = try file.unsignedIntegers(named: name)
                guard words.count == 4, words.contains(where: { $0 != 0 }) else {
                    throw SHOTVAEError(.invalidFile, "generator state \"\(name)\" must be four words, not all zero")
                }
                generators[String(name.dropFirst("generator/".count))] = RandomGenerator.State(words: words)
            } else if name.hasPrefix("optimizer/") {
                optimizerState.tensors[String(name.dropFirst("optimizer/".count))] = try file.tensor(named: name)
            } else if bufferNames.contains(name) {
                buffers.append((name, try file.tensor(named: name)))
            } else {
                parameters.append((name, try file.tensor(named: name)))
            }
        }
    }

    /// Loads the checkpoint into a model (and optimizer), after checking that every name and
    /// shape matches.
    ///
    /// Nothing is changed unless everything matches.
    ///
    /// - Throws: ``SHOTVAEError`` naming the first parameter or buffer that is missing,
    ///   unexpected or of the wrong shape, or an optimizer state that does not fit.
    public func restore(model: any Layer, optimizer: (any Optimizer)? = nil) throws {
        let stored = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let storedBuffers = Dictionary(buffers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let modelParameters = model.namedParameters
        let modelBuffers = model.namedBuffers
        try Checkpoint.check("parameter", expected: modelParameters.map { ($0.name, $0.parameter.shape) }, stored: stored)
        try Checkpoint.check("buffer", expected: modelBuffers.map { ($0.name, $0.buffer.value.shape) }, stored: storedBuffers)
        if let optimizer {
            try optimizer.restore(optimizerState)
        }
        for (name, parameter) in modelParameters { parameter.value = stored[name]! }
        for (name, buffer) in modelBuffers { buffer.value = storedBuffers[name]! }
    }

    // MARK: - Implementation details

    static func check(_ kind: String, expected: [(String, [Int])], stored: [String: Tensor]) throws {
        for (name, shape) in expected {
            guard let value = stored[name] else {
                throw SHOTVAEError(.mismatch, "the model's \(kind) \"\(name)\" is missing from the checkpoint")
            }
            guard value.shape == shape else {
                throw SHOTVAEError(
                    .mismatch, "\(kind) \"\(name)\" has shape \(value.shape) in the checkpoint, the model expects \(shape)")
            }
        }
        let known = Set(expected.map(\.0))
        if let extra = stored.keys.sorted().first(where: { !known.contains($0) }) {
            throw SHOTVAEError(.mismatch, "the checkpoint has a \(kind) \"\(extra)\" that the model does not have")
        }
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?, _ key: String) throws -> T {
        guard let text else {
            throw SHOTVAEError(.invalidFile, "metadata \"\(key)\" is missing")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw SHOTVAEError(.invalidFile, "metadata \"\(key)\" is not valid: \(text.prefix(80))")
        }
    }
}
