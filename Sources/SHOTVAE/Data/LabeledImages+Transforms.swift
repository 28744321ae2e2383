extension LabeledImages {
    /// 8-bit pixels as `byte / 255`, through a table so that each value is exactly the rounded
    /// quotient.
    ///
    /// - Parameters:
    ///   - bytes: The pixels in the tensor's order.
    ///   - shape: The tensor's shape; its element count is `bytes.count`.
    static func pixels<Bytes: Collection<UInt8>>(_ bytes: Bytes, shape: [Int]) -> Tensor {
        let table = (0...255).map { Float($0) / 255 }
        var tensor = Tensor(uninitializedShape: shape)
        precondition(tensor.count == bytes.count, "\(bytes.count) pixels for shape \(shape).")
        let output = tensor.mutablePointer
        table.withUnsafeBufferPointer { table in
            var i = 0
            for byte in bytes {
                output[i] = table[Int(byte)]
                i += 1
            }
        }
        return tensor
    }

    /// The images with a constant border, centred in `size x size` (MNIST's 28 → 32).
    ///
    /// - Parameters:
    ///   - size: The new height and width, at least the current ones.
    ///   - value: The border's value.
    public func padded(to size: Int, value: Float = 0) -> LabeledImages {
        LabeledImages(images: images.imagesPadded(to: size, value: value), labels: labels, classCount: classCount)
    }

    /// The images mapped linearly from [0, 1] to `range`, such as [-1, 1] for a tanh decoder.
    public func scaled(to range: ClosedRange<Float>) -> LabeledImages {
        LabeledImages(images: images.imagesScaled(to: range), labels: labels, classCount: classCount)
    }

    /// The average of every pixel of every image (accumulated in double precision), for example
    /// to start a decoder's output at the data's mean (``SemiSupervisedVAE/mnist(latentCount:classCount:meanPixel:generator:)``).
    public var meanPixel: Float {
        let values = images.pointer
        var sum: Double = 0
        for i in 0..<images.count { sum += Double(values[i]) }
        return Float(sum / Double(max(images.count, 1)))
    }

    /// The images at `indices`, in that order, as one batch `[indices.count, C, H, W]`.
    public func images(at indices: [Int]) -> Tensor {
        images.rows(indices)
    }
}

extension Tensor {
    /// Images `[N, C, H, W]` with a constant border, centred in `size x size`.
    func imagesPadded(to size: Int, value: Float) -> Tensor {
        let (height, width) = (shape[2], shape[3])
        precondition(size >= height && size >= width, "Cannot pad \(height)x\(width) images to \(size)x\(size).")
        let top = (size - height) / 2
        let left = (size - width) / 2
        let planes = shape[0] * shape[1]
        var result = Tensor(shape: [shape[0], shape[1], size, size], repeating: value)
        let source = pointer
        let destination = result.mutablePointer
        for plane in 0..<planes {
            for row in 0..<height {
                (destination + (plane * size + top + row) * size + left)
                    .update(from: source + (plane * height + row) * width, count: width)
            }
        }
        return result
    }

    /// Values mapped linearly from [0, 1] to `range`.
    func imagesScaled(to range: ClosedRange<Float>) -> Tensor {
        let low = range.lowerBound
        let width = range.upperBound - range.lowerBound
        return map(vector: { $0 * width + low }, scalar: { $0 * width + low })
    }

    /// The entries along the first axis at `indices`, in that order.
    func rows(_ indices: [Int]) -> Tensor {
        let rowSize = count / max(shape[0], 1)
        var result = Tensor(uninitializedShape: [indices.count] + shape.dropFirst())
        let source = pointer
        let destination = result.mutablePointer
        for (i, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[0], "Row \(index) is out of range 0..<\(shape[0]).")
            (destination + i * rowSize).update(from: source + index * rowSize, count: rowSize)
        }
        return result
    }
}
