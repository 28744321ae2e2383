/// NumPy broadcasting of two shapes, reduced to as few loop dimensions as possible.
///
/// Shapes are aligned on their last axis; a size-1 (or missing) axis is repeated to match
/// the other operand. Adjacent axes that repeat the same way are merged, so that the common
/// cases (same shape, a scalar, a bias row `[F]` over `[B, F]`, a channel vector `[1, C, 1, 1]`
/// over `[N, C, H, W]`) run as one or two loops with a contiguous inner dimension.
struct Broadcast {
    /// The shape of the result.
    let shape: [Int]
    /// Merged loop sizes, outermost first; never empty.
    let loopSizes: [Int]
    /// Per merged loop, the element stride of the left operand (0 where it repeats).
    let lhsStrides: [Int]
    /// Per merged loop, the element stride of the right operand (0 where it repeats).
    let rhsStrides: [Int]

    /// The broadcast of two shapes, or `nil` when they are incompatible.
    init?(_ lhs: [Int], _ rhs: [Int]) {
        let rank = max(lhs.count, rhs.count)
        let a = Array(repeating: 1, count: rank - lhs.count) + lhs
        let b = Array(repeating: 1, count: rank - rhs.count) + rhs
        var shape = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            if a[axis] == b[axis] || b[axis] == 1 {
                shape[axis] = a[axis]
            } else if a[axis] == 1 {
                shape[axis] = b[axis]
            } else {
                return nil
            }
        }
        self.shape = shape
        let loops = Broadcast.mergedLoops(shape: shape, operands: [a, b])
        loopSizes = loops.sizes
        lhsStrides = loops.strides[0]
        rhsStrides = loops.strides[1]
    }

    /// Merges adjacent axes where every operand either repeats on both or is contiguous
    /// across both; drops size-1 axes.
    static func mergedLoops(shape: [Int], operands: [[Int]]) -> (sizes: [Int], strides: [[Int]]) {
        // Strides of each operand in its own (aligned) shape; 0 where it is broadcast.
        let strides: [[Int]] = operands.map { dims in
            var result = [Int](repeating: 0, count: dims.count)
            var step = 1
            for axis in stride(from: dims.count - 1, through: 0, by: -1) {
                result[axis] = dims[axis] == 1 ? 0 : step
                step *= dims[axis]
            }
            return result
        }
        var sizes: [Int] = []
        var merged: [[Int]] = Array(repeating: [], count: operands.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            if let last = sizes.last,
                (0..<operands.count).allSatisfy({ k in
                    merged[k].last! == strides[k][axis] * shape[axis]
                })
            {
                sizes[sizes.count - 1] = last * shape[axis]
                for k in 0..<operands.count { merged[k][merged[k].count - 1] = strides[k][axis] }
            } else {
                sizes.append(shape[axis])
                for k in 0..<operands.count { merged[k].append(strides[k][axis]) }
            }
        }
        if sizes.isEmpty {
            sizes = [1]
            merged = merged.map { _ in [0] }
        }
        return (sizes, merged)
    }

    /// Visits every contiguous run of the innermost loop: `body(lhsOffset, rhsOffset,
    /// outputOffset)` for each combination of the outer loops. The run has `loopSizes.last!`
    /// elements with strides `lhsStrides.last!` and `rhsStrides.last!`.
    @inline(__always)
    func forEachRun(_ body: (Int, Int, Int) -> Void) {
        Broadcast.forEachRun(sizes: loopSizes, strides: [lhsStrides, rhsStrides]) { offsets, out in
            body(offsets[0], offsets[1], out)
        }
    }

    /// The odometer over all loops but the innermost, for any number of operands.
    @inline(__always)
    static func forEachRun(sizes: [Int], strides: [[Int]], _ body: ([Int], Int) -> Void) {
        let outer = sizes.count - 1
        let inner = sizes[outer]
        var index = [Int](repeating: 0, count: outer)
        var offsets = [Int](repeating: 0, count: strides.count)
        var output = 0
        while true {
            body(offsets, output)
            output += inner
            var axis = outer - 1
            while axis >= 0 {
                index[axis] += 1
                for k in 0..<strides.count { offsets[k] += strides[k][axis] }
                if index[axis] < sizes[axis] { break }
                for k in 0..<strides.count { offsets[k] -= strides[k][axis] * sizes[axis] }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}
