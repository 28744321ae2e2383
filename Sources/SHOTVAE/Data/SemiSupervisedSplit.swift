/// A seeded, class-balanced semi-supervised split of a training set.
///
/// From each class, `labelsPerClass` images keep their labels and `validationPerClass`
/// images are held out for validation; the unlabeled set is every training image that is
/// not held out for validation, including the labeled ones, as in the paper (Method.md
/// sections 6 and 7), and any images without a class added with ``addingUnlabeled(_:)``.
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let split = try SemiSupervisedSplit(mnist.train, labelsPerClass: 10, generator: &rng)   // 100 labels
/// ```
public struct SemiSupervisedSplit: Sendable {
    /// The labeled images, `labelsPerClass` per class.
    public let labeled: LabeledImages
    /// The images trained on without labels.
    public let unlabeled: UnlabeledImages
    /// The held-out validation images, `validationPerClass` per class (empty when 0).
    public let validation: LabeledImages
    /// The indices into the original training set of the labeled images.
    public let labeledIndices: [Int]

    /// Splits `train`.
    ///
    /// - Parameters:
    ///   - train: The training set.
    ///   - labelsPerClass: Labeled images per class.
    ///   - validationPerClass: Validation images per class, taken before the labeled ones.
    ///   - generator: Chooses the images; the same seed gives the same split.
    /// - Throws: ``SHOTVAEError`` when a class has fewer images than requested.
    public init(
        _ train: LabeledImages, labelsPerClass: Int, validationPerClass: Int = 0,
        generator: inout RandomGenerator
    ) throws {
        guard labelsPerClass > 0, validationPerClass >= 0 else {
            throw SHOTVAEError(.invalidArgument, "labels per class must be positive and validation images per class not negative")
        }
        var byClass = [[Int]](repeating: [], count: train.classCount)
        for (index, label) in train.labels.enumerated() { byClass[label].append(index) }
        var labeled: [Int] = []
        var validation: [Int] = []
        for (label, indices) in byClass.enumerated() {
            guard indices.count >= labelsPerClass + validationPerClass else {
                throw SHOTVAEError(
                    .invalidArgument,
                    "class \(label) has \(indices.count) training images, fewer than the \(labelsPerClass) labeled + \(validationPerClass) validation requested")
            }
            var shuffled = indices
            generator.shuffle(&shuffled)
            validation += shuffled[0..<validationPerClass]
            labeled += shuffled[validationPerClass..<(validationPerClass + labelsPerClass)]
        }
        self.init(train, labeledIndices: labeled, validationIndices: validation)
    }

    /// The split of `train` with the images at `labeledIndices` labeled and those at
    /// `validationIndices` held out (a list of labeled images given by a file, say; see
    /// ``ImageFolder/split(labelFile:)``). The unlabeled set is every image not held out.
    ///
    /// - Parameters:
    ///   - train: The training set.
    ///   - labeledIndices: Positions in `train` of the labeled images.
    ///   - validationIndices: Positions in `train` held out for validation, none of them labeled.
    public init(_ train: LabeledImages, labeledIndices labeled: [Int], validationIndices validation: [Int] = []) {
        precondition(Set(labeled).isDisjoint(with: validation), "A validation image cannot also be labeled.")
        let heldOut = Set(validation)
        labeledIndices = labeled
        self.labeled = train.subset(labeled)
        self.validation = train.subset(validation)
        unlabeled = UnlabeledImages(
            images: heldOut.isEmpty ? train.images : train.subset((0..<train.count).filter { !heldOut.contains($0) }).images)
    }

    /// The same split with `images` (which have no class) added to the unlabeled set, after
    /// the training images.
    ///
    /// - Parameter images: Images of the training images' shape.
    /// - Throws: ``SHOTVAEError`` when their shape is not the training images'.
    public func addingUnlabeled(_ images: UnlabeledImages) throws -> SemiSupervisedSplit {
        let (theirs, ours) = (Array(images.images.shape.dropFirst()), Array(unlabeled.images.shape.dropFirst()))
        guard theirs == ours else {
            throw SHOTVAEError(.invalidArgument, "unlabeled images of shape \(theirs) cannot join training images of shape \(ours)")
        }
        return SemiSupervisedSplit(labeled: labeled, unlabeled: unlabeled.appending(images), validation: validation,
                                   labeledIndices: labeledIndices)
    }

    private init(labeled: LabeledImages, unlabeled: UnlabeledImages, validation: LabeledImages, labeledIndices: [Int]) {
        (self.labeled, self.unlabeled, self.validation, self.labeledIndices) = (labeled, unlabeled, validation, labeledIndices)
    }
}
