/// A random transformation of a training batch, drawn per image.
public protocol BatchAugmentation: Sendable {
    /// The augmented batch, same shape as `images`, with every draw from `generator`.
    func callAsFunction(_ images: Tensor, generator: inout RandomGenerator) -> Tensor
}

/// The CIFAR augmentation of the paper (Method.md section 6): pad each image by `padding`
/// pixels with its reflection, crop a random window of the original size, and flip it
/// horizontally with probability 1/2; drawn anew for every image every time.
public struct PadCropFlip: BatchAugmentation {
    /// The reflected border, in pixels (4 for CIFAR).
    public var padding: Int
    /// Whether to flip horizontally at random.
    public var flips: Bool

    /// Creates the augmentation.
    public init(padding: Int = 4, flips: Bool = true) {
        precondition(padding >= 0, "Padding cannot be negative.")
        self.padding = padding
        self.flips = flips
    }

    /// Crops and flips each image of `[N, C, H, W]` independently, in one pass (the padded
    /// image is never built: a reflected index table maps each output pixel to its source).
    public func callAsFunction(_ images: Tensor, generator: inout RandomGenerator) -> Tensor {
        precondition(images.rank == 4, "PadCropFlip needs [N, C, H, W], got \(images.shape).")
        let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        precondition(padding < height && padding < width, "Padding \(padding) must be smaller than the image.")
        // Source coordinate of padded coordinate i, reflecting without repeating the edge.
        func reflected(_ size: Int) -> [Int] {
            (0..<(size + 2 * padding)).map { i in
                let j = i - padding
                return j < 0 ? -j : (j >= size ? 2 * (size - 1) - j : j)
            }
        }
        let rows = reflected(height)
        let columns = reflected(width)
        var result = Tensor(uninitializedShape: images.shape)
        let source = images.pointer
        let destination = result.mutablePointer
        let plane = height * width
        for n in 0..<count {
            let top = generator.nextInt(below: 2 * padding + 1)
            let left = generator.nextInt(below: 2 * padding + 1)
            let flip = flips && generator.nextBernoulli(0.5)
            for c in 0..<channels {
                let input = source + (n * channels + c) * plane
                let output = destination + (n * channels + c) * plane
                for y in 0..<height {
                    let sourceRow = input + rows[y + top] * width
                    let outputRow = output + y * width
                    for x in 0..<width {
                        outputRow[x] = sourceRow[columns[(flip ? width - 1 - x : x) + left]]
                    }
                }
            }
        }
        return result
    }
}
