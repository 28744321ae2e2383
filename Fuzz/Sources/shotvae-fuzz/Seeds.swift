import Foundation

@testable import SHOTVAE

/// Small valid inputs for each format, in the harness's input layout (mode byte first), written
/// by `shotvae-fuzz seeds <folder>`. Gzip and tar files are made with /bin/gzip and /bin/tar.
enum Seeds {
    /// Writes `<folder>/<format>/seed-<n>` for every format.
    static func write(to folder: URL) throws {
        let work = folder.appendingPathComponent(".work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let seeds: [Format: [[UInt8]]] = [
            .idx: [idxFile([3, 2, 2]), idxFile([5]), idxFile([1, 2, 1, 3])],
            .idxGzip: [
                [0] + (try gzip(idxFile([3, 2, 2]), work)),
                [0] + (try gzip(Array(idxFile([3, 2, 2])[..<10]), work))
                    + (try gzip(Array(idxFile([3, 2, 2])[10...]), work)),
                [0x10] + (try gzip(idxFile([2, 2, 2]), work)),
                [1] + idxFile([3, 2, 2]),
                [3] + idxFile([2, 5]),
            ],
            .cifar: [
                [0] + records(2, .cifar10),
                [1] + records(2, .cifar100),
                [2] + records(2, .cifar10),
                [5] + records(3, .cifar100),
            ],
            .cifarTgz: [
                [0] + (try cifarArchive(.cifar10, work, tarOptions: [], compressed: true)),
                [1] + (try cifarArchive(.cifar100, work, tarOptions: [], compressed: true)),
                [1]
                    + (try cifarArchive(
                        .cifar100, work, tarOptions: ["--format=gnu"], compressed: true, deep: true)),
                [1]
                    + (try cifarArchive(
                        .cifar100, work, tarOptions: ["--format=pax"], compressed: true, deep: true)),
                [7] + (try cifarArchive(.cifar100, work, tarOptions: ["--format=ustar"], compressed: false)),
                [3]
                    + (try cifarArchive(
                        .cifar100, work, tarOptions: ["--format=gnu"], compressed: false, deep: true)),
            ],
            .safetensors: [
                [0] + sampleSafeTensors().serialized(),
                [1] + structured(sampleSafeTensors().serialized()),
            ],
            .checkpoint: [
                [0] + sampleCheckpoint(sgd: false),
                [2] + sampleCheckpoint(sgd: true),
                [1] + structured(sampleCheckpoint(sgd: false)),
                [3] + structured(sampleCheckpoint(sgd: true)),
            ],
        ]
        for (format, inputs) in seeds {
            let formatFolder = folder.appendingPathComponent(format.rawValue)
            try FileManager.default.createDirectory(at: formatFolder, withIntermediateDirectories: true)
            for (i, input) in inputs.enumerated() {
                try Data(input).write(to: formatFolder.appendingPathComponent("seed-\(i)"))
            }
        }
    }

    /// An IDX file of unsigned bytes with the given sizes.
    static func idxFile(_ dimensions: [Int]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 8, UInt8(dimensions.count)]
        for size in dimensions {
            bytes += (0..<4).reversed().map { UInt8(truncatingIfNeeded: size >> (8 * $0)) }
        }
        return bytes + (0..<dimensions.reduce(1, *)).map { UInt8($0 % 256) }
    }

    /// `count` records of `variant` with valid labels and a pixel ramp.
    static func records(_ count: Int, _ variant: CIFAR.Variant, start: Int = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        for i in start..<(start + count) {
            if variant == .cifar100 { bytes.append(UInt8(i % 20)) }
            bytes.append(UInt8(i % variant.classCount))
            bytes += (0..<CIFAR.pixelsPerImage).map { UInt8((i + $0 / 64) % 256) }
        }
        return bytes
    }

    /// The official layout with one record per file, archived with /bin/tar (blocking factor 1,
    /// so no padding beyond the end marker) and optionally gzipped.
    static func cifarArchive(
        _ variant: CIFAR.Variant, _ work: URL, tarOptions: [String], compressed: Bool, deep: Bool = false
    ) throws -> [UInt8] {
        let parent = work.appendingPathComponent(UUID().uuidString)
        // A nested path longer than 100 bytes makes GNU tar write `L` entries and pax tar `x` headers.
        let top = deep ? String(repeating: "long-folder-name-", count: 7) : variant.folderName
        let folder = parent.appendingPathComponent(top).appendingPathComponent(deep ? variant.folderName : "")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (i, name) in (variant.trainFiles + [variant.testFile]).enumerated() {
            try Data(records(1, variant, start: i)).write(to: folder.appendingPathComponent(name))
        }
        let archive = work.appendingPathComponent(UUID().uuidString + ".tar")
        try run("/bin/tar", ["-c", "-b", "1", "-f", archive.path] + tarOptions + ["-C", parent.path, top])
        let bytes = [UInt8](try Data(contentsOf: archive))
        return compressed ? try gzip(bytes, work) : bytes
    }

    /// `bytes` compressed by /bin/gzip.
    static func gzip(_ bytes: [UInt8], _ work: URL) throws -> [UInt8] {
        let file = work.appendingPathComponent(UUID().uuidString)
        try Data(bytes).write(to: file)
        try run("/bin/gzip", ["-9", "-n", file.path])
        return [UInt8](try Data(contentsOf: file.appendingPathExtension("gz")))
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SHOTVAEError(.fileSystem, path: tool, "exited with status \(process.terminationStatus)")
        }
    }

    /// A safetensors file with several element types, an empty tensor and metadata.
    static func sampleSafeTensors() -> SafeTensors {
        var file = SafeTensors()
        file["weight"] = Tensor(shape: [2, 3], scalars: [1, -2, 3, 0.5, 0, -1])
        file["empty"] = Tensor(shape: [0, 4], scalars: [])
        file.set("steps", unsignedIntegers: [1, 2, 3])
        file.set("mask", SafeTensors.Entry(dataType: .uint8, shape: [3], bytes: [0, 1, 1]))
        file.set("half", SafeTensors.Entry(dataType: .float16, shape: [2], bytes: [0, 0x3c, 0, 0xc0]))
        file.metadata["epoch"] = "3"
        file.metadata["note"] = "tab\there \"quoted\""
        return file
    }

    /// A checkpoint of the small model after one step, with generator, counters and a sequence.
    static func sampleCheckpoint(sgd: Bool) -> [UInt8] {
        let (model, optimizer) = Target.smallModel(sgd: sgd)
        Target.trainStep(model, optimizer, seed: 2)
        let checkpoint = Checkpoint(
            model: model, optimizer: optimizer, generators: ["data": RandomGenerator(seed: 5).state],
            counters: ["epoch": 1, "step": 1], sequences: ["order": [2, 0, 1]],
            configuration: #"{"labels":100}"#)
        return checkpoint.safeTensors().serialized()
    }

    /// A safetensors file in the structured layout: JSON header, NUL, data.
    static func structured(_ file: [UInt8]) -> [UInt8] {
        let length = file[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return Array(file[8..<(8 + length)]) + [0] + Array(file[(8 + length)...])
    }
}
