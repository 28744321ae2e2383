extension Tensor {
    /// Elements per core below which an elementwise pass runs on one core: a pass of a few
    /// arithmetic operations per element runs at memory speed, and a thread hand-off costs
    /// more than it saves below this size.
    static let elementwiseGrain = 1 << 17
    /// The same for passes that call a libm function (exp, log, tanh) on every element, about
    /// ten times the work of plain arithmetic: they are worth both cores from a few thousand
    /// elements (the MNIST decoder's tanh over 132 images of 32x32 pixels, 135,168 elements, took
    /// about 1 ms of a 26 ms step on one core).
    static let transcendentalGrain = 1 << 12

    /// A tensor of this shape whose elements `kernel` writes chunk by chunk, split across the
    /// cores from `grain` elements per core: `kernel(first, count, destination)` writes
    /// elements `first ..< first + count` at `destination` (already offset). ``map(vector:scalar:grain:)``
    /// and the `zip`s are built on it; kernels whose per-element work is a function of their own
    /// (tanh's vector code) call it directly, so that the work inlines into their loops (passed
    /// to `map` as a closure per vector, it cost a call per eight elements).
    @inline(__always)
    func elementwise(
        grain: Int = elementwiseGrain, _ kernel: (_ first: Int, _ count: Int, _ destination: UnsafeMutablePointer<Float>) -> Void
    ) -> Tensor {
        PhaseClock.measure(.elementwise) {
            var result = Tensor(uninitializedShape: shape)
            let destination = result.mutablePointer
            Parallel.forEach(count, grain: grain) { range in
                kernel(range.lowerBound, range.count, destination + range.lowerBound)
            }
            return result
        }
    }

    /// A tensor of the same shape with `vector`/`scalar` applied to every element, split across
    /// the cores from `grain` elements per core.
    @inline(__always)
    func map(vector: (Vector) -> Vector, scalar: (Float) -> Float, grain: Int = elementwiseGrain) -> Tensor {
        let source = pointer
        return elementwise(grain: grain) { first, count, destination in
            Kernels.map(source + first, destination, count: count, vector: vector, scalar: scalar)
        }
    }

    /// The elementwise combination of two tensors of the same shape, split across the cores from
    /// `grain` elements per core.
    @inline(__always)
    func zip(
        _ other: Tensor, vector: (Vector, Vector) -> Vector, scalar: (Float, Float) -> Float,
        grain: Int = elementwiseGrain
    ) -> Tensor {
        precondition(shape == other.shape, "Shapes \(shape) and \(other.shape) differ.")
        let (a, b) = (pointer, other.pointer)
        return elementwise(grain: grain) { first, count, destination in
            Kernels.zip(a + first, b + first, destination, count: count, vector: vector, scalar: scalar)
        }
    }

    /// The elementwise combination of three tensors of the same shape.
    @inline(__always)
    func zip(
        _ second: Tensor, _ third: Tensor,
        vector: (Vector, Vector, Vector) -> Vector, scalar: (Float, Float, Float) -> Float
    ) -> Tensor {
        precondition(
            shape == second.shape && shape == third.shape,
            "Shapes \(shape), \(second.shape) and \(third.shape) differ.")
        let (a, b, c) = (pointer, second.pointer, third.pointer)
        return elementwise { first, count, destination in
            Kernels.zip3(a + first, b + first, c + first, destination, count: count, vector: vector, scalar: scalar)
        }
    }

    /// The elementwise combination of two tensors under NumPy broadcasting.
    @inline(__always)
    func broadcast(
        _ other: Tensor, vector: (Vector, Vector) -> Vector, scalar: (Float, Float) -> Float
    ) -> Tensor {
        if shape == other.shape {
            return zip(other, vector: vector, scalar: scalar)
        }
        return PhaseClock.measure(.elementwise) {
            guard let plan = Broadcast(shape, other.shape) else {
                preconditionFailure("Shapes \(shape) and \(other.shape) do not broadcast.")
            }
            var result = Tensor(uninitializedShape: plan.shape)
            Kernels.broadcast(plan, pointer, other.pointer, result.mutablePointer,
                              vector: vector, scalar: scalar)
            return result
        }
    }

    /// Adds `other` (same shape) into `self`.
    mutating func add(_ other: Tensor) {
        PhaseClock.measure(.elementwise) {
            precondition(shape == other.shape, "Shapes \(shape) and \(other.shape) differ.")
            let source = other.pointer
            let destination = mutablePointer
            Parallel.forEach(count, grain: Self.elementwiseGrain) { range in
                Kernels.add(source + range.lowerBound, into: destination + range.lowerBound,
                            count: range.count)
            }
        }
    }

    /// The sum of `self` reduced to `targetShape`, a shape that broadcasts to `shape`.
    func summed(to targetShape: [Int]) -> Tensor {
        PhaseClock.measure(.elementwise) {
            if targetShape == shape { return self }
            var result = Tensor(uninitializedShape: targetShape)
            Kernels.sum(pointer, shape: shape, into: result.mutablePointer, shape: targetShape)
            return result
        }
    }

    /// `self` repeated along its size-1 axes to `targetShape`: broadcasting on its own.
    func expanded(to targetShape: [Int]) -> Tensor {
        PhaseClock.measure(.elementwise) {
            if targetShape == shape { return self }
            guard let plan = Broadcast(shape, targetShape), plan.shape == targetShape else {
                preconditionFailure("Shape \(shape) does not broadcast to \(targetShape).")
            }
            let aligned = Array(repeating: 1, count: targetShape.count - shape.count) + shape
            let loops = Broadcast.mergedLoops(shape: targetShape, operands: [aligned])
            let run = loops.sizes.last!
            let contiguous = loops.strides[0].last! == 1
            var result = Tensor(uninitializedShape: targetShape)
            let source = pointer
            let destination = result.mutablePointer
            Broadcast.forEachRun(sizes: loops.sizes, strides: loops.strides) { offsets, output in
                if contiguous {
                    (destination + output).update(from: source + offsets[0], count: run)
                } else {
                    Kernels.fill(destination + output, with: source[offsets[0]], count: run)
                }
            }
            return result
        }
    }

    /// The sum of all elements.
    func sum() -> Float {
        PhaseClock.measure(.elementwise) {
            Kernels.sum(pointer, count: count)
        }
    }

    /// Every element multiplied by `factor`.
    func scaled(by factor: Float) -> Tensor {
        map(vector: { $0 * factor }, scalar: { $0 * factor })
    }
}

extension Tensor: Equatable {}
