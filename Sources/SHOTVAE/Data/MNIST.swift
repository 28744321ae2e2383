import Foundation

/// MNIST or Fashion-MNIST read from the four IDX files of its distribution (raw or .gz).
///
/// The directory must hold `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each either uncompressed or
/// gzip-compressed with a `.gz` suffix, as distributed by LeCun et al. (MNIST) and Xiao et
/// al. (Fashion-MNIST). Pixels become `byte / 255`, one channel.
///
/// ```swift
/// let mnist = try MNIST(directory: URL(fileURLWithPath: "/data/mnist"))
/// print(mnist.train.images.shape)   // [60000, 1, 28, 28]
/// ```
public struct MNIST: Sendable {
    /// Which dataset the files hold; both have 10 classes and 28 × 28 grey images.
    public enum Variant: String, Sendable, CaseIterable {
        /// Handwritten digits 0-9 (LeCun et al., 1998).
        case mnist
        /// Zalando's clothing images (Xiao et al., 2017), a drop-in replacement for MNIST.
        case fashionMNIST = "fashion-mnist"
    }

    /// The number of classes of both variants.
    public static let classCount = 10

    /// Which dataset this is.
    public let variant: Variant
    /// The training set: 60,000 images [60000, 1, 28, 28].
    public let train: LabeledImages
    /// The test set: 10,000 images [10000, 1, 28, 28].
    public let test: LabeledImages

    /// Reads the training and test sets from a directory.
    ///
    /// For each of the four files, the uncompressed name is used if it exists, otherwise the
    /// name with `.gz`.
    ///
    /// - Parameters:
    ///   - directory: The folder holding the four IDX files.
    ///   - variant: Which dataset the files hold.
    /// - Throws: ``SHOTVAEError`` naming the file and the problem: `.fileSystem` for a missing
    ///   or unreadable file; `.invalidFile` for a corrupt file, images that are not a rank-3
    ///   array, labels that are not a rank-1 array, different numbers of images and labels, or
    ///   a label outside `0..<10`.
    public init(directory: URL, variant: Variant = .mnist) throws {
        self.variant = variant
        train = try MNIST.readSet(
            images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", in: directory)
        test = try MNIST.readSet(
            images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", in: directory)
    }

    /// The repository's `Data/MNIST` folder, which holds the real MNIST as distributed.
    ///
    /// It is found relative to this source file, so it exists only when the library is built
    /// from a checkout of this repository. A library user elsewhere passes the directory of
    /// their own copy to ``init(directory:variant:)``.
    public static var bundledDirectory: URL {
        // …/Sources/SHOTVAE/Data/MNIST.swift: the folder three levels above this file's is the root.
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Data
            .deletingLastPathComponent()  // SHOTVAE
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // the repository
            .appendingPathComponent("Data")
            .appendingPathComponent("MNIST")
    }

    // MARK: - Implementation details

    /// Reads one images file and one labels file and checks that they agree.
    static func readSet(
        images imagesName: String, labels labelsName: String, in directory: URL
    ) throws
        -> LabeledImages
    {
        let imagesURL = try locate(imagesName, in: directory)
        let labelsURL = try locate(labelsName, in: directory)
        let images = try IDXArray.read(contentsOf: imagesURL)
        guard images.dimensions.count == 3 else {
            throw SHOTVAEError(
                .invalidFile, path: imagesURL.path,
                "images must be a rank-3 array [count, height, width], but the sizes are \(images.dimensions)"
            )
        }
        let labels = try IDXArray.read(contentsOf: labelsURL)
        guard labels.dimensions.count == 1 else {
            throw SHOTVAEError(
                .invalidFile, path: labelsURL.path,
                "labels must be a rank-1 array [count], but the sizes are \(labels.dimensions)")
        }
        let count = images.dimensions[0]
        guard count == labels.dimensions[0] else {
            throw SHOTVAEError(
                .invalidFile, path: imagesURL.path,
                "\(count) images but \(labels.dimensions[0]) labels in \(labelsURL.path)")
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classCount }) {
            throw SHOTVAEError(
                .invalidFile, path: labelsURL.path,
                "label \(labels.bytes[bad]) at index \(bad) is out of range 0..<\(classCount)")
        }
        let tensor = LabeledImages.pixels(images.bytes, shape: [count, 1, images.dimensions[1], images.dimensions[2]])
        return LabeledImages(images: tensor, labels: labels.bytes.map { Int($0) }, classCount: classCount)
    }

    /// The file `name` or, if that does not exist, `name.gz`, in `directory`.
    static func locate(_ name: String, in directory: URL) throws -> URL {
        let raw = directory.appendingPathComponent(name)
        let compressed = directory.appendingPathComponent(name + ".gz")
        for url in [raw, compressed] where FileManager.default.fileExists(atPath: url.path) {
            return url
        }
        throw SHOTVAEError(
            .fileSystem, path: raw.path,
            "missing: neither \(name) nor \(name).gz exists in \(directory.path)")
    }
}
