/// A labeled image set: images [N, C, H, W] with values in [0, 1], and their class labels.
///
/// ```swift
/// let mnist = try MNIST(directory: MNIST.bundledDirectory)
/// let firstHundred = mnist.train.subset(Array(0..<100))
/// print(firstHundred.images.shape, firstHundred.labels.prefix(5))   // [100, 1, 28, 28] [5, 0, 4, 1, 9]
/// ```
public struct LabeledImages: Sendable {
    /// The images, shape [N, C, H, W] (NCHW), with values in [0, 1].
    public var images: Tensor
    /// The class of each image, in `0..<classCount`.
    public var labels: [Int]
    /// The number of classes.
    public var classCount: Int

    /// The number of images.
    public var count: Int { labels.count }

    /// Creates a labeled image set.
    ///
    /// - Parameters:
    ///   - images: The images, shape [N, C, H, W].
    ///   - labels: N labels, each in `0..<classCount`.
    ///   - classCount: The number of classes; at least 1.
    public init(images: Tensor, labels: [Int], classCount: Int) {
        precondition(
            images.rank == 4 && images.shape[0] == labels.count,
            "Images of shape \(images.shape) do not match \(labels.count) labels; expected [\(labels.count), C, H, W]."
        )
        precondition(classCount >= 1, "classCount must be at least 1, got \(classCount).")
        if let bad = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            preconditionFailure("Label \(labels[bad]) at index \(bad) is out of range 0..<\(classCount).")
        }
        self.images = images
        self.labels = labels
        self.classCount = classCount
    }

    /// The images and labels at the given positions, in that order (repeats allowed).
    ///
    /// - Parameter indices: Positions in `0..<count`.
    /// - Returns: A set of `indices.count` images with the same class count.
    public func subset(_ indices: [Int]) -> LabeledImages {
        let imageSize = images.count / max(count, 1)
        var shape = images.shape
        shape[0] = indices.count
        var selected = Tensor(uninitializedShape: shape)
        let destination = selected.mutablePointer
        let source = images.pointer
        for (row, index) in indices.enumerated() {
            precondition(
                index >= 0 && index < count, "Index \(index) is out of range for a set of \(count) images.")
            (destination + row * imageSize).update(from: source + index * imageSize, count: imageSize)
        }
        return LabeledImages(images: selected, labels: indices.map { labels[$0] }, classCount: classCount)
    }
}
