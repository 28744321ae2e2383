extension Variable {
    /// The sum of all elements, as a rank-0 value.
    public func sum() -> Variable {
        let shape = self.shape
        return Variable(Tensor(value.sum()), inputs: [self]) { [node] gradient in
            node?.accumulateGradient(Tensor(shape: shape, repeating: gradient.scalar))
        }
    }

    /// The mean of all elements, as a rank-0 value.
    public func mean() -> Variable {
        sum() * (1 / Float(max(value.count, 1)))
    }

    /// The sums along the given axes.
    ///
    /// - Parameters:
    ///   - axes: The axes to sum over; negative values count from the end.
    ///   - keepingDimensions: Whether summed axes stay with size 1 (`true`) or are removed.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Variable {
        let shape = self.shape
        let normalized = Set(axes.map { axis -> Int in
            let a = axis < 0 ? axis + shape.count : axis
            precondition(a >= 0 && a < shape.count, "Axis \(axis) is out of range for shape \(shape).")
            return a
        })
        let kept = shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
        let result = value.summed(to: kept)
        let resultShape = keepingDimensions
            ? kept : shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
        return Variable(result.reshaped(to: resultShape), inputs: [self]) { [node] gradient in
            let g = gradient.reshaped(to: kept)
            node?.accumulateGradient(g.expanded(to: shape))
        }
    }

    /// The means along the given axes.
    ///
    /// - Parameters:
    ///   - axes: The axes to average over; negative values count from the end.
    ///   - keepingDimensions: Whether averaged axes stay with size 1 (`true`) or are removed.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Variable {
        let size = axes.reduce(1) { $0 * shape[$1 < 0 ? $1 + shape.count : $1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(max(size, 1)))
    }
}
