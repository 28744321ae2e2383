import Foundation

@testable import SHOTVAE

/// The formats the harness fuzzes, selected with `SHOTVAE_FUZZ_FORMAT`.
///
/// Every format but `idx` reads its first input byte as a mode (see README.md) and the rest as
/// the payload, so that one run reaches both the raw container and what lies inside it.
enum Format: String, CaseIterable {
    /// The input is an IDX file, given to `IDXArray.parse`.
    case idx
    /// Mode bit 0 clear: the payload is a gzip stream, given to `IDXArray.parse` and to
    /// `Gzip.decompress` with a limit of `(mode >> 1) * 64` bytes. Bit 0 set: the payload is an
    /// IDX file that the harness wraps in a valid gzip member (two members if bit 1 is set).
    case idxGzip = "idx-gzip"
    /// Bit 0 picks CIFAR-10 or CIFAR-100; the payload is split into `(mode >> 1) % 3 + 1`
    /// record files (slices of the input) for `CIFAR.records`.
    case cifar
    /// Bit 0 picks the variant. Bit 1 clear: the payload is the archive file as-is. Bit 1 set:
    /// the payload is a tar archive that the harness gzips, after fixing its header checksums
    /// if bit 2 is set. The archive is written to a temporary file and read with `CIFAR(url:variant:)`.
    case cifarTgz = "cifar-tgz"
    /// Bit 0 clear: the payload is the file. Bit 0 set: the payload is the JSON header, a NUL
    /// byte and the data section; the harness writes the 8-byte header length in front.
    case safetensors
    /// The payload as for `safetensors`, read as a checkpoint and restored into a small model
    /// (`Dense(4, 8)`, `BatchNorm(8)`, `Tanh`, `Dense(8, 3)`) with Adam (bit 1 clear) or SGD
    /// with momentum (bit 1 set), then trained for one step.
    case checkpoint
}

/// The checks one input goes through: the reader must return a consistent value or throw a
/// ``SHOTVAEError`` that names the source; anything else stops the fuzzer with a message.
enum Target {
    /// Runs one input through the readers of `format`.
    static func run(_ format: Format, _ input: [UInt8]) {
        switch format {
        case .idx: idx(input)
        case .idxGzip: idxGzip(input)
        case .cifar: cifar(input)
        case .cifarTgz: cifarArchive(input)
        case .safetensors: safeTensors(input)
        case .checkpoint: checkpoint(input)
        }
    }

    /// The files the reader of `format` is given for `input`, with a suffix for their names.
    static func materialize(_ format: Format, _ input: [UInt8]) -> [(suffix: String, bytes: [UInt8])] {
        guard format != .idx else { return [("", input)] }
        guard let mode = input.first else { return [] }
        let payload = Array(input.dropFirst())
        switch format {
        case .idx: return [("", input)]
        case .idxGzip: return [("", gzipFile(mode, payload))]
        case .cifar:
            return cifarParts(mode, payload).enumerated().map { (i, part) in ("-\(i)", Array(part)) }
        case .cifarTgz: return [("", cifarArchiveFile(mode, payload))]
        case .safetensors, .checkpoint: return [("", safeTensorsFile(mode, payload))]
        }
    }

    // MARK: - IDX

    static func idx(_ input: [UInt8]) {
        parseIDX(input, source: "fuzz.idx")
    }

    static func idxGzip(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let payload = Array(input.dropFirst())
        if mode & 1 == 0 {
            let limit = Int(mode >> 1) * 64
            do {
                let output = try Gzip.decompress(payload, source: "fuzz.gz", maximumBytes: limit)
                check(
                    output.count <= limit,
                    "Gzip.decompress returned \(output.count) bytes over the limit \(limit)")
                note("fuzz.gz: \(output.count) bytes decompressed")
            } catch {
                expectReaderError(error, sources: ["fuzz.gz"], "Gzip.decompress")
            }
        }
        parseIDX(gzipFile(mode, payload), source: "fuzz.idx.gz")
    }

    static func gzipFile(_ mode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        if mode & 1 == 0 { return payload }
        if mode & 2 == 0 { return Encoding.gzipMember(payload) }
        let half = payload.count / 2
        return Encoding.gzipMember(payload[..<half]) + Encoding.gzipMember(payload[half...])
    }

    static func parseIDX(_ file: [UInt8], source: String) {
        do {
            let array = try IDXArray.parse(file, source: source)
            check((1...4).contains(array.dimensions.count), "IDX rank \(array.dimensions.count)")
            check(
                array.dimensions.reduce(1, *) == array.bytes.count,
                "IDX sizes \(array.dimensions) vs \(array.bytes.count) bytes")
            note("\(source): read, sizes \(array.dimensions)")
        } catch {
            expectReaderError(error, sources: [source], "IDXArray.parse")
        }
    }

    // MARK: - CIFAR

    static func cifar(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let variant: CIFAR.Variant = mode & 1 == 0 ? .cifar10 : .cifar100
        let files = cifarParts(mode, Array(input.dropFirst())).enumerated().map { (i, part) in
            (bytes: part, name: "fuzz-\(i).bin")
        }
        do {
            let set = try CIFAR.records(files, variant: variant)
            checkImages(set, variant: variant)
            note("\(files.map(\.name)): read, \(set.count) \(variant.rawValue) images")
        } catch {
            expectReaderError(error, sources: files.map(\.name), "CIFAR.records")
        }
    }

    /// The payload cut into 1 to 3 slices that keep their indices in the payload, as slices of
    /// an archive do.
    static func cifarParts(_ mode: UInt8, _ payload: [UInt8]) -> [ArraySlice<UInt8>] {
        let count = Int(mode >> 1) % 3 + 1
        let size = payload.count / count
        return (0..<count).map { i in
            payload[(i * size)..<(i == count - 1 ? payload.count : (i + 1) * size)]
        }
    }

    static func cifarArchive(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let variant: CIFAR.Variant = mode & 1 == 0 ? .cifar10 : .cifar100
        let url = scratchFolder.appendingPathComponent("cifar-binary.tar.gz")
        do {
            try Data(cifarArchiveFile(mode, Array(input.dropFirst()))).write(to: url)
        } catch {
            fatalError("cannot write the scratch file \(url.path): \(error)")
        }
        do {
            let cifar = try CIFAR(url: url, variant: variant)
            checkImages(cifar.train, variant: variant)
            checkImages(cifar.test, variant: variant)
            note("\(url.path): read, \(cifar.train.count) + \(cifar.test.count) \(variant.rawValue) images")
        } catch {
            expectReaderError(error, sources: [url.path], "CIFAR(url:variant:)")
        }
    }

    static func cifarArchiveFile(_ mode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        if mode & 2 == 0 { return payload }
        var tar = payload
        if mode & 4 != 0 { Encoding.fixTarChecksums(&tar) }
        return Encoding.gzipMember(tar)
    }

    static func checkImages(_ set: LabeledImages, variant: CIFAR.Variant) {
        check(
            set.images.shape == [set.count, 3, 32, 32],
            "CIFAR images \(set.images.shape) for \(set.count) labels")
        check(set.labels.allSatisfy { (0..<variant.classCount).contains($0) }, "CIFAR label out of range")
        check(set.classCount == variant.classCount, "CIFAR class count \(set.classCount)")
    }

    /// A folder of this process for files that readers need on disk.
    static let scratchFolder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "shotvae-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    // MARK: - safetensors and checkpoints

    static func safeTensors(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let source = "fuzz.safetensors"
        let file: SafeTensors
        do {
            file = try SafeTensors(bytes: safeTensorsFile(mode, Array(input.dropFirst())), source: source)
        } catch {
            expectReaderError(error, sources: [source], "SafeTensors(bytes:source:)")
            return
        }
        for (name, entry) in file.entries {
            check(
                entry.bytes.count == entry.shape.reduce(1, *) * entry.dataType.byteCount, "entry \(name) size"
            )
        }
        // What was read must write and read back unchanged.
        do {
            let again = try SafeTensors(bytes: file.serialized(), source: "round trip")
            check(
                again.entries == file.entries && again.metadata == file.metadata,
                "safetensors round trip differs")
            note("\(source): read, \(file.entries.count) tensors")
        } catch {
            fatalError("a file that was read does not read back after writing: \(error)")
        }
    }

    static func safeTensorsFile(_ mode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        if mode & 1 == 0 { return payload }
        let end = payload.firstIndex(of: 0) ?? payload.count
        return Encoding.littleEndian(UInt64(end)) + payload[..<end] + payload.dropFirst(end + 1)
    }

    static func checkpoint(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let source = "fuzz.checkpoint"
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(
                SafeTensors(bytes: safeTensorsFile(mode, Array(input.dropFirst())), source: source))
        } catch let error as SHOTVAEError where error.path == nil {
            note("Checkpoint(_:) threw: \(error)")  // Checkpoint(contentsOf:) adds the path
            return
        } catch {
            expectReaderError(error, sources: [source], "Checkpoint")
            return
        }
        do {
            _ = try Checkpoint(
                SafeTensors(bytes: checkpoint.safeTensors().serialized(), source: "round trip"))
        } catch {
            fatalError("a checkpoint that was read does not read back after writing: \(error)")
        }
        let (model, optimizer) = smallModel(sgd: mode & 2 != 0)
        do {
            try checkpoint.restore(model: model, optimizer: optimizer)
        } catch {
            guard error is SHOTVAEError else { fatalError("restore threw a foreign error: \(error)") }
            note("restore threw: \(error)")
            return
        }
        trainStep(model, optimizer, seed: 3)
        note("\(source): read, restored and trained one step")
    }

    /// The model of the checkpoint tests and an optimizer for it.
    static func smallModel(sgd: Bool) -> (Sequential, any Optimizer) {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([
            Dense(inputCount: 4, outputCount: 8, generator: &rng), BatchNorm(featureCount: 8), Tanh(),
            Dense(inputCount: 8, outputCount: 3, generator: &rng),
        ])
        let optimizer: any Optimizer =
            sgd
            ? SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9, nesterov: true)
            : Adam(parameters: model.parameters, learningRate: 1e-2)
        return (model, optimizer)
    }

    /// One step of least squares on random data.
    static func trainStep(_ model: Sequential, _ optimizer: any Optimizer, seed: UInt64) {
        var data = RandomGenerator(seed: seed)
        let x = Tensor(normal: [16, 4], generator: &data)
        let target = Tensor(normal: [16, 3], generator: &data)
        let context = ForwardContext(isTraining: true, generator: data.split())
        let loss = meanSquaredError(
            prediction: model(x, context: context), targets: target, reduction: .batchMean)
        loss.backward()
        optimizer.step()
        optimizer.zeroGradients()
    }

    // MARK: - Checks

    /// Stops the fuzzer (a "crash" it records) unless `error` is a ``SHOTVAEError`` whose
    /// description starts with one of `sources`.
    static func expectReaderError(_ error: any Error, sources: [String], _ reader: String) {
        guard let error = error as? SHOTVAEError else {
            fatalError("\(reader) threw a foreign error: \(error)")
        }
        note("\(reader) threw: \(error)")
        check(!error.reason.isEmpty, "\(reader) threw an error without a reason")
        check(
            sources.contains { error.description.hasPrefix($0 + ":") },
            "\(reader) threw an error that names none of \(sources): \(error)")
    }

    /// Whether to print each input's outcome (`SHOTVAE_FUZZ_VERBOSE=1`), for replaying a corpus.
    static let verbose = ProcessInfo.processInfo.environment["SHOTVAE_FUZZ_VERBOSE"] == "1"

    static func note(_ message: @autoclosure () -> String) {
        if verbose { print(message()) }
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError(message()) }
    }
}
