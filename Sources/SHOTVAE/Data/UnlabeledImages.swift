/// Images trained on without labels: a split's unlabeled set, `[N, C, H, W]`.
///
/// It holds the training images that are not held out for validation (their classes, when
/// known, are not used) and any images that never had a class, such as an image folder's
/// `unlabeled` folder (``ImageFolder/unlabeled``).
public struct UnlabeledImages: Sendable {
    /// The images, shape [N, C, H, W] (NCHW).
    public var images: Tensor

    /// The number of images.
    public var count: Int { images.shape[0] }

    /// Creates the set.
    ///
    /// - Parameter images: The images, shape [N, C, H, W].
    public init(images: Tensor) {
        precondition(images.rank == 4, "Images have the shape [N, C, H, W], not \(images.shape).")
        self.images = images
    }

    /// The images at `indices`, in that order, as one batch `[indices.count, C, H, W]`.
    public func images(at indices: [Int]) -> Tensor {
        images.rows(indices)
    }

    /// The images with a constant border, centred in `size x size`, as
    /// ``LabeledImages/padded(to:value:)`` pads labeled images.
    public func padded(to size: Int, value: Float = 0) -> UnlabeledImages {
        UnlabeledImages(images: images.imagesPadded(to: size, value: value))
    }

    /// The images mapped linearly from [0, 1] to `range`, as ``LabeledImages/scaled(to:)``.
    public func scaled(to range: ClosedRange<Float>) -> UnlabeledImages {
        UnlabeledImages(images: images.imagesScaled(to: range))
    }

    /// These images followed by `other`'s, which must have the same image shape.
    public func appending(_ other: UnlabeledImages) -> UnlabeledImages {
        precondition(Array(images.shape.dropFirst()) == Array(other.images.shape.dropFirst()),
                     "Images of shape \(other.images.shape) cannot join images of shape \(images.shape).")
        return UnlabeledImages(images: concat([Variable(images), Variable(other.images)], axis: 0).value)
    }
}
