import Foundation

/// The Street View House Numbers digits (SVHN, format 2: 32x32 colour crops, ten classes) from
/// the official MATLAB files `train_32x32.mat`, `test_32x32.mat` and optionally
/// `extra_32x32.mat` (``MATFile``).
///
/// Each file holds `X`, `uint8` of MATLAB dimensions `32 x 32 x 3 x N` (row, column, channel,
/// image), and `y`, `N x 1` labels from 1 to 10, where 10 means the digit 0, as torchvision
/// reads them: the images become `[N, 3, 32, 32]` in [0, 1], the labels the digits 0...9.
///
/// ```swift
/// let svhn = try SVHN(directory: URL(fileURLWithPath: "data/svhn"))
/// print(svhn.train.count, svhn.test.count)   // 73257 26032
/// ```
public struct SVHN: Sendable {
    /// `train_32x32.mat`, followed by `extra_32x32.mat` when asked.
    public let train: LabeledImages
    /// `test_32x32.mat`.
    public let test: LabeledImages

    /// The official file names.
    public static let trainFile = "train_32x32.mat", testFile = "test_32x32.mat", extraFile = "extra_32x32.mat"

    /// Reads the official files in `directory`.
    ///
    /// - Parameters:
    ///   - directory: The folder holding `train_32x32.mat` and `test_32x32.mat`.
    ///   - includesExtra: Append `extra_32x32.mat`'s 531,131 easier images to the training set.
    /// - Throws: ``SHOTVAEError`` naming the file: missing, not a MAT file, truncated, without
    ///   `X` or `y`, with other dimensions or labels outside 1...10.
    public init(directory: URL, includesExtra: Bool = false) throws {
        var train = try Self.read(directory.appendingPathComponent(Self.trainFile))
        if includesExtra {
            let extra = try Self.read(directory.appendingPathComponent(Self.extraFile))
            var images = Tensor(uninitializedShape: [train.count + extra.count, 3, 32, 32])
            images.mutablePointer.update(from: train.images.pointer, count: train.images.count)
            (images.mutablePointer + train.images.count).update(from: extra.images.pointer, count: extra.images.count)
            train = LabeledImages(images: images, labels: train.labels + extra.labels, classCount: 10)
        }
        self.train = train
        test = try Self.read(directory.appendingPathComponent(Self.testFile))
    }

    /// One official file's images and labels.
    static func read(_ url: URL) throws -> LabeledImages {
        func fail(_ reason: String) -> SHOTVAEError { SHOTVAEError(.invalidFile, path: url.path, reason) }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SHOTVAEError(.fileSystem, path: url.path, "missing: SVHN's official \(url.lastPathComponent) is not in \(url.deletingLastPathComponent().path)")
        }
        let file = try MATFile(contentsOf: url)
        guard let x = file.arrays["X"] else { throw fail("no numeric array \"X\" (the images)") }
        guard let y = file.arrays["y"] else { throw fail("no numeric array \"y\" (the labels)") }
        guard x.dimensions.count == 4, Array(x.dimensions.prefix(3)) == [32, 32, 3] else {
            throw fail("\"X\" has dimensions \(x.dimensions), expected 32 x 32 x 3 x N")
        }
        let count = x.dimensions[3]
        guard y.count == count, y.dimensions.filter({ $0 != 1 }).count <= 1 else {
            throw fail("\"y\" has dimensions \(y.dimensions), expected \(count) x 1 (one label per image)")
        }
        var labels = [Int](repeating: 0, count: count)
        for n in 0..<count {
            let value = y.value(at: n)
            guard value == value.rounded(), (1...10).contains(value) else {
                throw fail("label \(value) of image \(n + 1) is not in 1...10")
            }
            labels[n] = Int(value) % 10
        }
        // MATLAB's order: X(row, column, channel, image), the row fastest.
        var images = Tensor(uninitializedShape: [count, 3, 32, 32])
        let destination = images.mutablePointer
        if x.dataType == 2 {
            x.bytes.withUnsafeBufferPointer { source in
                for n in 0..<count {
                    for c in 0..<3 {
                        for row in 0..<32 {
                            for column in 0..<32 {
                                destination[((n * 3 + c) * 32 + row) * 32 + column] =
                                    Float(source[((n * 3 + c) * 32 + column) * 32 + row]) / 255
                            }
                        }
                    }
                }
            }
        } else {
            for n in 0..<count {
                for c in 0..<3 {
                    for row in 0..<32 {
                        for column in 0..<32 {
                            let value = x.value(at: ((n * 3 + c) * 32 + column) * 32 + row)
                            guard (0...255).contains(value) else { throw fail("pixel value \(value) is outside 0...255") }
                            destination[((n * 3 + c) * 32 + row) * 32 + column] = Float(value / 255)
                        }
                    }
                }
            }
        }
        return LabeledImages(images: images, labels: labels, classCount: 10)
    }
}
