import Foundation
import Testing

@testable import SHOTVAE

@Suite struct MNISTTests {
    let scratch = TemporaryFolder()

    static let trainImages = "train-images-idx3-ubyte"
    static let trainLabels = "train-labels-idx1-ubyte"
    static let testImages = "t10k-images-idx3-ubyte"
    static let testLabels = "t10k-labels-idx1-ubyte"

    /// Writes a small fake distribution: `trainCount` and `testCount` images of 3 × 2 pixels.
    ///
    /// - Parameters:
    ///   - compressed: The names of the files to write gzip-compressed, with `.gz`.
    ///   - overrides: File contents to write instead of the generated ones, by name.
    func writeFakeDistribution(
        trainCount: Int = 4, testCount: Int = 2, compressed: Set<String> = [],
        overrides: [String: [UInt8]] = [:]
    ) throws {
        let files: [String: [UInt8]] = [
            Self.trainImages: idxFile(dimensions: [trainCount, 3, 2], data: Self.pixels(trainCount * 6)),
            Self.trainLabels: idxFile(
                dimensions: [trainCount], data: (0..<trainCount).map { UInt8($0 % 10) }),
            Self.testImages: idxFile(dimensions: [testCount, 3, 2], data: Self.pixels(testCount * 6)),
            Self.testLabels: idxFile(
                dimensions: [testCount], data: (0..<testCount).map { UInt8(9 - $0 % 10) }),
        ]
        for (name, generated) in files {
            let bytes = overrides[name] ?? generated
            if compressed.contains(name) {
                try Data(try gzipped(bytes)).write(to: scratch.file(name + ".gz"))
            } else {
                try Data(bytes).write(to: scratch.file(name))
            }
        }
    }

    /// Pixel values that run through 0...255.
    static func pixels(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(($0 * 51) % 256) } }

    // MARK: - Small generated files

    @Test func readsRawAndCompressedFilesIntoImagesAndLabels() throws {
        try writeFakeDistribution(compressed: [Self.trainImages, Self.testLabels])
        let data = try MNIST(directory: scratch.url, variant: .fashionMNIST)
        #expect(data.variant == .fashionMNIST)
        #expect(data.train.images.shape == [4, 1, 3, 2])
        #expect(data.train.labels == [0, 1, 2, 3])
        #expect(data.train.classCount == 10)
        #expect(data.train.images.scalars == Self.pixels(24).map { Float($0) / 255 })
        #expect(data.test.images.shape == [2, 1, 3, 2])
        #expect(data.test.labels == [9, 8])
        #expect(data.test.count == 2)
    }

    @Test func prefersTheUncompressedFileWhenBothExist() throws {
        try writeFakeDistribution()
        // A broken .gz next to a good raw file is never opened.
        try Data([0x1f, 0x8b, 0, 0]).write(to: scratch.file(Self.trainImages + ".gz"))
        #expect(try MNIST(directory: scratch.url).train.count == 4)
    }

    @Test func subsetPicksImagesAndLabelsInOrder() throws {
        try writeFakeDistribution()
        let train = try MNIST(directory: scratch.url).train
        let subset = train.subset([3, 1, 3])
        #expect(subset.images.shape == [3, 1, 3, 2])
        #expect(subset.labels == [3, 1, 3])
        let all = train.images.scalars
        #expect(subset.images.scalars == Array(all[18..<24] + all[6..<12] + all[18..<24]))
        #expect(train.subset([]).images.shape == [0, 1, 3, 2])
    }

    // MARK: - Bad distributions: each throws an error that names the file and the problem.

    @Test func missingFileNamesTheFileAndTheDirectory() throws {
        try writeFakeDistribution()
        try FileManager.default.removeItem(at: scratch.file(Self.testLabels))
        let missing = scratch.file(Self.testLabels).path
        expectError(
            .fileSystem, path: missing,
            containing: "neither \(Self.testLabels) nor \(Self.testLabels).gz exists in \(scratch.url.path)"
        ) {
            _ = try MNIST(directory: scratch.url)
        }
    }

    @Test func mismatchedCountsNameBothFiles() throws {
        try writeFakeDistribution(overrides: [Self.trainLabels: idxFile(dimensions: [3], data: [1, 2, 3])])
        let images = scratch.file(Self.trainImages).path
        let labels = scratch.file(Self.trainLabels).path
        expectError(path: images, containing: "4 images but 3 labels in \(labels)") {
            _ = try MNIST(directory: scratch.url)
        }
    }

    @Test func outOfRangeLabelIsReportedWithItsIndex() throws {
        try writeFakeDistribution(
            trainCount: 7, compressed: [Self.trainLabels],
            overrides: [Self.trainLabels: idxFile(dimensions: [7], data: [0, 1, 2, 3, 4, 11, 200])])
        let labels = scratch.file(Self.trainLabels + ".gz").path
        expectError(path: labels, containing: "label 11 at index 5 is out of range 0..<10") {
            _ = try MNIST(directory: scratch.url)
        }
    }

    @Test func imagesMustBeRankThreeAndLabelsRankOne() throws {
        try writeFakeDistribution(overrides: [
            Self.testImages: idxFile(dimensions: [2, 6], data: Self.pixels(12))
        ])
        expectError(path: scratch.file(Self.testImages).path, containing: "images must be a rank-3 array") {
            _ = try MNIST(directory: scratch.url)
        }
        try writeFakeDistribution(overrides: [Self.testLabels: idxFile(dimensions: [2, 1], data: [1, 2])])
        expectError(path: scratch.file(Self.testLabels).path, containing: "labels must be a rank-1 array") {
            _ = try MNIST(directory: scratch.url)
        }
    }

    @Test func corruptFileInsideTheDistributionNamesThatFile() throws {
        try writeFakeDistribution(compressed: [Self.testImages])
        let url = scratch.file(Self.testImages + ".gz")
        let bytes = try [UInt8](Data(contentsOf: url))
        try Data(bytes.prefix(bytes.count / 2)).write(to: url)
        expectError(path: url.path, containing: "truncated gzip stream") {
            _ = try MNIST(directory: scratch.url)
        }
    }

    // MARK: - The real data sets

    /// The number of images of each digit in MNIST's training and test sets.
    static let mnistTrainCounts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    static let mnistTestCounts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

    static let fashionDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The number of labels of each class.
    static func classCounts(_ set: LabeledImages) -> [Int] {
        var counts = [Int](repeating: 0, count: set.classCount)
        for label in set.labels { counts[label] += 1 }
        return counts
    }

    /// Expects every pixel in [0, 1], with both ends reached.
    static func expectPixelsInUnitInterval(
        _ images: Tensor, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let (low, high) = images.withUnsafeBufferPointer { values in
            var low = Float.infinity
            var high = -Float.infinity
            for value in values {
                low = min(low, value)
                high = max(high, value)
            }
            return (low, high)
        }
        #expect(low == 0 && high == 1, "pixels span \(low)...\(high)", sourceLocation: sourceLocation)
    }

    @Test func readsTheBundledMNIST() throws {
        let mnist = try MNIST(directory: MNIST.bundledDirectory)
        #expect(mnist.train.images.shape == [60000, 1, 28, 28])
        #expect(mnist.test.images.shape == [10000, 1, 28, 28])
        #expect(mnist.train.count == 60000 && mnist.test.count == 10000)
        #expect(Self.classCounts(mnist.train) == Self.mnistTrainCounts)
        #expect(Self.classCounts(mnist.test) == Self.mnistTestCounts)
        #expect(Array(mnist.train.labels.prefix(5)) == [5, 0, 4, 1, 9])
        #expect(Array(mnist.test.labels.prefix(5)) == [7, 2, 1, 0, 4])
        Self.expectPixelsInUnitInterval(mnist.train.images)
        Self.expectPixelsInUnitInterval(mnist.test.images)
    }

    /// Debian's dataset-fashion-mnist, which `make test` installs.
    @Test func readsFashionMNIST() throws {
        let fashion = try MNIST(directory: Self.fashionDirectory, variant: .fashionMNIST)
        #expect(fashion.train.images.shape == [60000, 1, 28, 28])
        #expect(fashion.test.images.shape == [10000, 1, 28, 28])
        #expect(Self.classCounts(fashion.train) == [Int](repeating: 6000, count: 10))
        #expect(Self.classCounts(fashion.test) == [Int](repeating: 1000, count: 10))
        Self.expectPixelsInUnitInterval(fashion.test.images)
    }
}
