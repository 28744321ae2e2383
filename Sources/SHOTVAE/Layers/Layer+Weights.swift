import Foundation

/// What ``Layer/loadWeights(from:mapping:strict:source:)`` found: the names it loaded, and the
/// differences between the model and the file.
public struct WeightLoadReport: Sendable, Equatable, CustomStringConvertible {
    /// A model name whose file entry does not fit.
    public struct Mismatch: Sendable, Equatable {
        /// The model's name.
        public var name: String
        /// The file's name for it.
        public var fileName: String
        /// What does not fit: the shapes, or the entry's data type.
        public var reason: String
    }

    /// Model names loaded from the file.
    public var loaded: [String] = []
    /// Model names the file has no entry for (under the mapping).
    public var missing: [String] = []
    /// File entries no model name maps to (PyTorch's batch counters aside, when the mapping
    /// expects them).
    public var unexpected: [String] = []
    /// Model names whose entry has another shape, or is not floating point; not loaded.
    public var mismatched: [Mismatch] = []

    /// Whether the model and the file correspond exactly.
    public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

    /// The differences, one kind per line, or that everything was loaded.
    public var description: String {
        var lines = ["loaded \(loaded.count) tensors"]
        if !missing.isEmpty { lines.append("missing in the file: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("unexpected in the file: " + unexpected.joined(separator: ", ")) }
        if !mismatched.isEmpty {
            lines.append("not fitting: " + mismatched.map { "\($0.name) (file: \($0.fileName)): \($0.reason)" }.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}

extension Layer {
    /// Loads the parameters and buffers (batch-norm running statistics) by name from a
    /// safetensors file, such as one exported from PyTorch, converting `F16`, `BF16` and `F64`
    /// entries to `Float32`.
    ///
    /// - Parameters:
    ///   - file: The weights.
    ///   - mapping: The file's names for the model's (``WeightNameMapping/pytorchMNIST`` and
    ///     ``WeightNameMapping/pytorchWideResNet`` for the PyTorch reference models).
    ///   - strict: Whether any difference between the model and the file is an error (nothing
    ///     is loaded then); otherwise what fits is loaded and the report lists the rest.
    ///   - source: The file's name, for errors.
    /// - Returns: What was loaded and what differs.
    /// - Throws: ``SHOTVAEError`` (`.mismatch`, naming `source` and every difference) in strict
    ///   mode when the model and the file differ.
    @discardableResult
    public func loadWeights(
        from file: SafeTensors, mapping: WeightNameMapping = .identity, strict: Bool = true, source: String = "weights"
    ) throws -> WeightLoadReport {
        var report = WeightLoadReport()
        var wanted = Set<String>()
        var updates: [() -> Void] = []
        let targets: [(name: String, shape: [Int], assign: (Tensor) -> Void)] =
            namedParameters.map { entry in (entry.name, entry.parameter.shape, { entry.parameter.value = $0 }) }
            + namedBuffers.map { entry in (entry.name, entry.buffer.value.shape, { entry.buffer.value = $0 }) }
        for target in targets {
            guard let (fileName, scale) = mapping.fileName(target.name), file.entries[fileName] != nil else {
                report.missing.append(target.name)
                continue
            }
            wanted.insert(fileName)
            let entry = file.entries[fileName]!
            guard entry.shape == target.shape else {
                report.mismatched.append(.init(name: target.name, fileName: fileName,
                                               reason: "shape \(entry.shape) in the file, \(target.shape) in the model"))
                continue
            }
            guard let values = try? file.floats(named: fileName) else {
                report.mismatched.append(.init(name: target.name, fileName: fileName,
                                               reason: "\(entry.dataType.rawValue) is not a floating-point type"))
                continue
            }
            report.loaded.append(target.name)
            updates.append { target.assign(scale == 1 ? values : values.map(vector: { $0 / scale }, scalar: { $0 / scale })) }
        }
        report.unexpected = file.names.filter {
            !wanted.contains($0) && !(mapping.countsBatchNormBatches && $0.hasSuffix(WeightNameMapping.batchCounterSuffix))
        }
        if strict, !report.isComplete {
            throw SHOTVAEError(.mismatch, path: source, "the weights do not fit the model:\n" + report.description)
        }
        for update in updates { update() }
        return report
    }

    /// ``loadWeights(from:mapping:strict:source:)`` from the safetensors file at `url`.
    @discardableResult
    public func loadWeights(contentsOf url: URL, mapping: WeightNameMapping = .identity, strict: Bool = true) throws -> WeightLoadReport {
        try loadWeights(from: SafeTensors(contentsOf: url), mapping: mapping, strict: strict, source: url.path)
    }

    /// The parameters and buffers under the file's names of `mapping` (values multiplied by
    /// its factors), as `F32`; with PyTorch's batch counters (`I64` zeros) when the mapping
    /// has them. Names the mapping leaves out are not exported.
    public func exportedWeights(mapping: WeightNameMapping = .identity) -> SafeTensors {
        var file = SafeTensors()
        let values = namedParameters.map { ($0.name, $0.parameter.value) } + namedBuffers.map { ($0.name, $0.buffer.value) }
        for (name, value) in values {
            guard let (fileName, scale) = mapping.fileName(name) else { continue }
            file[fileName] = scale == 1 ? value : value.map(vector: { $0 * scale }, scalar: { $0 * scale })
            if mapping.countsBatchNormBatches, fileName.hasSuffix(".running_var") {
                file.set(String(fileName.dropLast(".running_var".count)) + WeightNameMapping.batchCounterSuffix,
                         integers: [0], shape: [])
            }
        }
        return file
    }
}
