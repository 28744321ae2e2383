extension Kernels {
    /// `output = lhs ⊙ rhs` under NumPy broadcasting, for a binary operator given in SIMD
    /// and scalar form. `output` has `plan.shape` and is contiguous.
    @inline(__always)
    static func broadcast(
        _ plan: Broadcast, _ lhs: UnsafePointer<Float>, _ rhs: UnsafePointer<Float>,
        _ output: UnsafeMutablePointer<Float>,
        vector: (Vector, Vector) -> Vector, scalar: (Float, Float) -> Float
    ) {
        let run = plan.loopSizes.last!
        let lhsStride = plan.lhsStrides.last!
        let rhsStride = plan.rhsStrides.last!
        plan.forEachRun { a, b, out in
            switch (lhsStride, rhsStride) {
            case (1, 1):
                zip(lhs + a, rhs + b, output + out, count: run, vector: vector, scalar: scalar)
            case (1, _):
                let s = rhs[b]
                let v = Vector(repeating: s)
                map(lhs + a, output + out, count: run,
                    vector: { vector($0, v) }, scalar: { scalar($0, s) })
            case (_, 1):
                let s = lhs[a]
                let v = Vector(repeating: s)
                map(rhs + b, output + out, count: run,
                    vector: { vector(v, $0) }, scalar: { scalar(s, $0) })
            default:
                fill(output + out, with: scalar(lhs[a], rhs[b]), count: run)
            }
        }
    }

    /// Sums `source` (of `sourceShape`) into `target`, whose shape broadcasts to
    /// `sourceShape`: the reverse of broadcasting, used for gradients and for sums along axes.
    /// `target` is overwritten.
    static func sum(
        _ source: UnsafePointer<Float>, shape sourceShape: [Int],
        into target: UnsafeMutablePointer<Float>, shape targetShape: [Int]
    ) {
        let aligned =
            Array(repeating: 1, count: sourceShape.count - targetShape.count) + targetShape
        let targetCount = Tensor.elementCount(of: targetShape)
        fill(target, with: 0, count: targetCount)
        if targetCount == 1 {
            target[0] = sum(source, count: Tensor.elementCount(of: sourceShape))
            return
        }
        let loops = Broadcast.mergedLoops(shape: sourceShape, operands: [aligned])
        let run = loops.sizes.last!
        let targetStride = loops.strides[0].last!
        Broadcast.forEachRun(sizes: loops.sizes, strides: loops.strides) { offsets, sourceOffset in
            let t = offsets[0]
            if targetStride == 1 {
                add(source + sourceOffset, into: target + t, count: run)
            } else {
                target[t] += sum(source + sourceOffset, count: run)
            }
        }
    }

    /// The sum of `count` consecutive elements, accumulated in eight lanes.
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = Vector.zero
        var acc1 = Vector.zero
        var i = 0
        while i + 16 <= count {
            acc0 += x.vector(at: i)
            acc1 += x.vector(at: i + 8)
            i += 16
        }
        if i + 8 <= count {
            acc0 += x.vector(at: i)
            i += 8
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += x[i]
            i += 1
        }
        return total
    }

    /// The dot product of two runs of `count` elements.
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = Vector.zero
        var acc1 = Vector.zero
        var i = 0
        while i + 16 <= count {
            acc0 += x.vector(at: i) * y.vector(at: i)
            acc1 += x.vector(at: i + 8) * y.vector(at: i + 8)
            i += 16
        }
        if i + 8 <= count {
            acc0 += x.vector(at: i) * y.vector(at: i)
            i += 8
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += x[i] * y[i]
            i += 1
        }
        return total
    }
}
