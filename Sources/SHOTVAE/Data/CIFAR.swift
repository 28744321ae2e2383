import Foundation

/// CIFAR-10 or CIFAR-100 in their official binary format, read from the extracted folder or
/// straight from the `.tar.gz` archive (Krizhevsky, "Learning multiple layers of features from
/// tiny images", 2009; https://www.cs.toronto.edu/~kriz/cifar.html).
///
/// - CIFAR-10 (`cifar-10-binary.tar.gz`): `data_batch_1.bin` ... `data_batch_5.bin` and
///   `test_batch.bin`, records of 1 label byte and 3,072 pixel bytes.
/// - CIFAR-100 (`cifar-100-binary.tar.gz`): `train.bin` and `test.bin`, records of a coarse
///   label byte, a fine label byte and 3,072 pixel bytes; the fine labels (100 classes) are used.
///
/// Pixels are stored as three 32x32 planes (red, green, blue), which is NCHW already; images
/// come out in [0, 1].
///
/// ```swift
/// let cifar = try CIFAR(url: URL(fileURLWithPath: "cifar-10-binary.tar.gz"), variant: .cifar10)
/// print(cifar.train.images.shape)   // [50000, 3, 32, 32]
/// ```
public struct CIFAR: Sendable {
    /// Which data set.
    public enum Variant: String, Sendable, CaseIterable {
        /// 10 classes, 50,000 training and 10,000 test images.
        case cifar10
        /// 100 classes (fine labels), 50,000 training and 10,000 test images.
        case cifar100

        /// The number of classes.
        public var classCount: Int { self == .cifar10 ? 10 : 100 }
        /// The bytes before the pixels of a record.
        var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        /// The bytes of one record.
        var recordSize: Int { labelBytes + CIFAR.pixelsPerImage }
        /// The training files, in order.
        var trainFiles: [String] {
            self == .cifar10 ? (1...5).map { "data_batch_\($0).bin" } : ["train.bin"]
        }
        /// The test file.
        var testFile: String { self == .cifar10 ? "test_batch.bin" : "test.bin" }
        /// The folder the official archive extracts to.
        var folderName: String { self == .cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary" }
    }

    /// Bytes of pixels per image: 3 planes of 32x32.
    static let pixelsPerImage = 3 * 32 * 32

    /// Which data set this is.
    public let variant: Variant
    /// The training images `[N, 3, 32, 32]` in [0, 1] and their labels.
    public let train: LabeledImages
    /// The test images and labels.
    public let test: LabeledImages

    /// Reads a CIFAR data set.
    ///
    /// - Parameters:
    ///   - url: The extracted folder (or the folder that contains it), or the official
    ///     `.tar.gz` archive.
    ///   - variant: CIFAR-10 or CIFAR-100.
    /// - Throws: ``SHOTVAEError`` naming the file and the problem: a missing file, a size that
    ///   is not a whole number of records, a label out of range, a broken archive.
    public init(url: URL, variant: Variant) throws {
        self.variant = variant
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SHOTVAEError(.fileSystem, path: url.path, "no such file or folder")
        }
        if isDirectory.boolValue {
            let folder = CIFAR.dataFolder(in: url, variant: variant)
            func read(_ name: String) throws -> (ArraySlice<UInt8>, String) {
                let file = folder.appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: file.path) else {
                    throw SHOTVAEError(.fileSystem, path: file.path, "missing or unreadable (expected in \(folder.path))")
                }
                return (ArraySlice([UInt8](data)), file.path)
            }
            train = try CIFAR.records(variant.trainFiles.map(read), variant: variant)
            test = try CIFAR.records([read(variant.testFile)], variant: variant)
        } else {
            let compressed: [UInt8]
            do {
                compressed = [UInt8](try Data(contentsOf: url))
            } catch {
                throw SHOTVAEError(.fileSystem, path: url.path, "cannot read the archive (\(error.localizedDescription))")
            }
            let tar = Gzip.isCompressed(compressed) ? try Gzip.decompress(compressed, source: url.path) : compressed
            let archive = try TarArchive(bytes: tar, source: url.path)
            func read(_ name: String) throws -> (ArraySlice<UInt8>, String) {
                guard let file = archive.file(named: name) else {
                    throw SHOTVAEError(.invalidFile, path: url.path, "the archive has no \(name)")
                }
                return (file, url.path + ":" + name)
            }
            train = try CIFAR.records(variant.trainFiles.map(read), variant: variant)
            test = try CIFAR.records([read(variant.testFile)], variant: variant)
        }
    }

    /// `url` itself, or its subfolder of the official name when `url` contains it.
    static func dataFolder(in url: URL, variant: Variant) -> URL {
        let nested = url.appendingPathComponent(variant.folderName)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nested.path, isDirectory: &isDirectory), isDirectory.boolValue,
            !FileManager.default.fileExists(atPath: url.appendingPathComponent(variant.testFile).path)
        {
            return nested
        }
        return url
    }

    /// Decodes the records of several files into one labeled set.
    static func records(_ files: [(bytes: ArraySlice<UInt8>, name: String)], variant: Variant) throws -> LabeledImages {
        let recordSize = variant.recordSize
        var total = 0
        for (bytes, name) in files {
            guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
                throw SHOTVAEError(
                    .invalidFile, path: name,
                    "\(bytes.count) bytes is not a whole number of \(recordSize)-byte records (a truncated or foreign file)")
            }
            total += bytes.count / recordSize
        }
        var pixels = [UInt8](repeating: 0, count: total * pixelsPerImage)
        var labels = [Int](repeating: 0, count: total)
        var image = 0
        for (bytes, name) in files {
            let count = bytes.count / recordSize
            for record in 0..<count {
                let start = bytes.startIndex + record * recordSize
                let label = Int(bytes[start + variant.labelBytes - 1])
                if variant == .cifar100, Int(bytes[start]) >= 20 {
                    throw SHOTVAEError(.invalidFile, path: name, "coarse label \(bytes[start]) of record \(record) is out of range 0..<20")
                }
                guard label < variant.classCount else {
                    throw SHOTVAEError(.invalidFile, path: name, "label \(label) of record \(record) is out of range 0..<\(variant.classCount)")
                }
                labels[image] = label
                let pixelStart = start + variant.labelBytes
                pixels.replaceSubrange(
                    (image * pixelsPerImage)..<((image + 1) * pixelsPerImage),
                    with: bytes[pixelStart..<(pixelStart + pixelsPerImage)])
                image += 1
            }
        }
        return LabeledImages(
            images: LabeledImages.pixels(pixels, shape: [total, 3, 32, 32]), labels: labels, classCount: variant.classCount)
    }
}
