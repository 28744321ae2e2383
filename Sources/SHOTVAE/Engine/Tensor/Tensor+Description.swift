extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// The largest number of elements that ``description`` shows in full.
    static let describedElementLimit = 64

    /// The elements as they read: a rank-0 tensor is its number, a small tensor its elements
    /// nested by dimension and its shape, a large one its first and last three elements in
    /// row-major order, its shape and its element count.
    ///
    /// ```swift
    /// print(Tensor(128.45828))
    /// // 128.45828
    /// print(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
    /// // [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]] (shape [2, 3])
    /// print(Tensor(shape: [128, 10]))
    /// // [0.0, 0.0, 0.0, ..., 0.0, 0.0, 0.0] (shape [128, 10], 1280 elements)
    /// ```
    public var description: String {
        if rank == 0 { return "\(scalar)" }
        return withUnsafeBufferPointer { elements in
            if elements.count <= Tensor.describedElementLimit {
                var text = ""
                Tensor.appendNested(elements, shape: shape[...], to: &text)
                return text + " (shape \(shape))"
            }
            let first = elements.prefix(3).map { "\($0)" }
            let last = elements.suffix(3).map { "\($0)" }
            let ends = (first + ["..."] + last).joined(separator: ", ")
            return "[\(ends)] (shape \(shape), \(elements.count) elements)"
        }
    }

    /// The tensor as an initializer call when it is small (every element, exactly), otherwise
    /// its shape and the range and mean of its elements, with the number that are not finite.
    ///
    /// ```swift
    /// debugPrint(Tensor(shape: [2], scalars: [1, 2]))
    /// // Tensor(shape: [2], scalars: [1.0, 2.0])
    /// debugPrint(Tensor(shape: [128, 10]))
    /// // Tensor(shape: [128, 10], 1280 elements in 0.0...0.0, mean 0.0)
    /// ```
    public var debugDescription: String {
        if count <= Tensor.describedElementLimit {
            return "Tensor(shape: \(shape), scalars: \(scalars))"
        }
        return withUnsafeBufferPointer { elements in
            var minimum = Float.infinity
            var maximum = -Float.infinity
            var sum = 0.0
            var notFinite = 0
            for element in elements {
                guard element.isFinite else {
                    notFinite += 1
                    continue
                }
                minimum = Swift.min(minimum, element)
                maximum = Swift.max(maximum, element)
                sum += Double(element)
            }
            var text = "Tensor(shape: \(shape), \(elements.count) elements"
            if notFinite < elements.count {
                text += " in \(minimum)...\(maximum), mean \(Float(sum / Double(elements.count - notFinite)))"
            }
            if notFinite > 0 { text += ", \(notFinite) not finite" }
            return text + ")"
        }
    }

    // MARK: - Implementation details

    /// Appends `elements`, of the given shape, as nested bracketed lists.
    private static func appendNested(
        _ elements: UnsafeBufferPointer<Float>, shape: ArraySlice<Int>, to text: inout String
    ) {
        guard let size = shape.first else {
            text += "\(elements[0])"
            return
        }
        let stride = size == 0 ? 0 : elements.count / size
        text += "["
        for index in 0..<size {
            if index > 0 { text += ", " }
            let start = index * stride
            let row = UnsafeBufferPointer(rebasing: elements[start..<(start + stride)])
            appendNested(row, shape: shape.dropFirst(), to: &text)
        }
        text += "]"
    }
}
