extension Variable {
    /// The same elements with another shape of equal element count; one size may be `-1`.
    public func reshaped(to newShape: [Int]) -> Variable {
        let oldShape = shape
        return Variable(value.reshaped(to: newShape), inputs: [self]) { [node] gradient in
            node?.accumulateGradient(gradient.reshaped(to: oldShape))
        }
    }

    /// Flattens every axis after the first: `[N, d1, d2, ...]` becomes `[N, d1·d2·...]`.
    public func flattened() -> Variable {
        precondition(!shape.isEmpty, "Cannot flatten a rank-0 value.")
        return reshaped(to: [shape[0], shape.dropFirst().reduce(1, *)])
    }

    /// The rows (entries along the first axis) at `indices`, in that order; an index may
    /// repeat. With a permutation this pairs each example with its mixup partner
    /// (`x[idx]` in Method.md sections 3 and 4).
    public func gatheringRows(_ indices: [Int]) -> Variable {
        let source = value
        let rows = source.shape[0]
        let rowSize = source.count / max(rows, 1)
        var result = Tensor(uninitializedShape: [indices.count] + source.shape.dropFirst())
        let destination = result.mutablePointer
        for (i, index) in indices.enumerated() {
            precondition(index >= 0 && index < rows, "Row index \(index) is out of range 0..<\(rows).")
            (destination + i * rowSize).update(from: source.pointer + index * rowSize, count: rowSize)
        }
        return Variable(result, inputs: [self]) { [node] gradient in
            var dx = Tensor(shape: source.shape)
            let out = dx.mutablePointer
            for (i, index) in indices.enumerated() {
                Kernels.add(gradient.pointer + i * rowSize, into: out + index * rowSize, count: rowSize)
            }
            node?.accumulateGradient(dx)
        }
    }

    /// The rows (entries along the first axis) in `range`: one batch's share of a pass that
    /// ran several batches as one.
    public func rows(_ range: Range<Int>) -> Variable {
        let source = value
        precondition(!source.shape.isEmpty && range.lowerBound >= 0 && range.upperBound <= source.shape[0],
                     "Rows \(range) are out of range for shape \(source.shape).")
        let rowSize = source.count / max(source.shape[0], 1)
        var result = Tensor(uninitializedShape: [range.count] + source.shape.dropFirst())
        result.mutablePointer.update(from: source.pointer + range.lowerBound * rowSize, count: range.count * rowSize)
        return Variable(result, inputs: [self]) { [node] gradient in
            var dx = Tensor(shape: source.shape)
            (dx.mutablePointer + range.lowerBound * rowSize).update(from: gradient.pointer, count: range.count * rowSize)
            node?.accumulateGradient(dx)
        }
    }

    /// Pads the last two axes of `[N, C, H, W]` by `padding` on every side with their mirror
    /// image, not repeating the edge (PyTorch's `ReflectionPad2d`): the CIFAR augmentation
    /// pads this way before its random crop.
    ///
    /// - Parameter padding: The width of the border, smaller than the height and the width.
    public func reflectPadded(by padding: Int) -> Variable {
        precondition(rank4(shape), "reflectPadded(by:) needs [N, C, H, W], got \(shape).")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        precondition(
            padding >= 0 && padding < height && padding < width,
            "Reflection padding \(padding) must be smaller than the image (\(height)x\(width)).")
        let outH = height + 2 * padding
        let outW = width + 2 * padding
        // The source coordinate of every padded coordinate.
        func reflect(_ i: Int, _ size: Int) -> Int {
            let j = i - padding
            if j < 0 { return -j }
            if j >= size { return 2 * (size - 1) - j }
            return j
        }
        let rowsFrom = (0..<outH).map { reflect($0, height) }
        let columnsFrom = (0..<outW).map { reflect($0, width) }
        var result = Tensor(uninitializedShape: [shape[0], shape[1], outH, outW])
        let x = value.pointer
        let y = result.mutablePointer
        for p in 0..<planes {
            for oy in 0..<outH {
                let source = x + (p * height + rowsFrom[oy]) * width
                let destination = y + (p * outH + oy) * outW
                for ox in 0..<outW { destination[ox] = source[columnsFrom[ox]] }
            }
        }
        let inputShape = shape
        return Variable(result, inputs: [self]) { [node] gradient in
            var dx = Tensor(shape: inputShape)
            let out = dx.mutablePointer
            let g = gradient.pointer
            for p in 0..<planes {
                for oy in 0..<outH {
                    let destination = out + (p * height + rowsFrom[oy]) * width
                    let source = g + (p * outH + oy) * outW
                    for ox in 0..<outW { destination[columnsFrom[ox]] += source[ox] }
                }
            }
            node?.accumulateGradient(dx)
        }
    }

    /// The number of dimensions of ``value``.
    public var rank: Int { shape.count }
}

/// Whether a shape is `[N, C, H, W]`.
func rank4(_ shape: [Int]) -> Bool { shape.count == 4 }

/// Joins variables along an axis; all other sizes must agree.
///
/// The decoder input `concat[z, y]` of Method.md section 1 is `concat([z, y], axis: 1)`.
///
/// - Parameters:
///   - variables: At least one variable, all of the same rank.
///   - axis: The axis to join along; negative values count from the end.
public func concat(_ variables: [Variable], axis: Int) -> Variable {
    precondition(!variables.isEmpty, "concat needs at least one variable.")
    let first = variables[0].shape
    let a = axis < 0 ? axis + first.count : axis
    precondition(a >= 0 && a < first.count, "Axis \(axis) is out of range for shape \(first).")
    for v in variables {
        precondition(
            v.shape.count == first.count
                && v.shape.enumerated().allSatisfy { $0.offset == a || $0.element == first[$0.offset] },
            "concat along axis \(a): shapes \(variables.map(\.shape)) differ off that axis.")
    }
    let outer = first[..<a].reduce(1, *)
    let inner = first[(a + 1)...].reduce(1, *)
    let sizes = variables.map { $0.shape[a] * inner }
    let total = sizes.reduce(0, +)
    var shape = first
    shape[a] = variables.reduce(0) { $0 + $1.shape[a] }
    var result = Tensor(uninitializedShape: shape)
    let y = result.mutablePointer
    var offset = 0
    for (v, size) in zip(variables, sizes) {
        let x = v.value.pointer
        for o in 0..<outer {
            (y + o * total + offset).update(from: x + o * size, count: size)
        }
        offset += size
    }
    let parts = variables.map { (node: $0.node, shape: $0.shape) }
    return Variable(result, inputs: variables) { gradient in
        let g = gradient.pointer
        var offset = 0
        for (part, size) in zip(parts, sizes) {
            if let node = part.node {
                var dx = Tensor(uninitializedShape: part.shape)
                let out = dx.mutablePointer
                for o in 0..<outer {
                    (out + o * size).update(from: g + o * total + offset, count: size)
                }
                node.accumulateGradient(dx)
            }
            offset += size
        }
    }
}
