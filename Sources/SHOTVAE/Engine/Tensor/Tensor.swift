/// A multi-dimensional array of `Float` values with value semantics.
///
/// Elements are stored contiguously in row-major order; image batches use the NCHW layout
/// (batch, channel, height, width), the convention of PyTorch and of the paper's code.
/// Copies share storage until one of them is written to (copy-on-write), so passing
/// tensors around is cheap.
///
/// ```swift
/// var t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// t[1, 2] = 10
/// print(t.shape, t.scalars)   // [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 10.0]
/// ```
public struct Tensor: Sendable {
    /// The size of each dimension, outermost first.
    public private(set) var shape: [Int]
    var storage: TensorStorage

    /// Creates a tensor of the given shape with every element equal to `value`.
    ///
    /// - Parameters:
    ///   - shape: The size of each dimension; every size must be zero or more.
    ///   - value: The value of every element.
    public init(shape: [Int], repeating value: Float = 0) {
        let count = Tensor.elementCount(of: shape)
        self.shape = shape
        self.storage = TensorStorage(count: count, repeating: value)
    }

    /// Creates a tensor of the given shape from its elements in row-major order.
    ///
    /// - Parameters:
    ///   - shape: The size of each dimension.
    ///   - scalars: The elements; their number must equal the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        let count = Tensor.elementCount(of: shape)
        precondition(
            scalars.count == count,
            "Shape \(shape) holds \(count) elements, but \(scalars.count) scalars were given.")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: count)
        scalars.withUnsafeBufferPointer { source in
            storage.pointer.update(from: source.baseAddress!, count: count)
        }
    }

    /// Creates a rank-0 tensor holding one value.
    public init(_ value: Float) {
        self.init(shape: [], repeating: value)
    }

    /// Creates a tensor of the given shape whose elements are not initialized.
    ///
    /// Kernels use it for outputs they overwrite completely.
    init(uninitializedShape shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: Tensor.elementCount(of: shape))
    }

    /// Wraps existing storage with a shape that has the same number of elements.
    init(shape: [Int], storage: TensorStorage) {
        precondition(Tensor.elementCount(of: shape) == storage.count)
        self.shape = shape
        self.storage = storage
    }

    /// The number of elements, the product of ``shape``.
    public var count: Int { storage.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// All elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The only element of a tensor that holds exactly one element.
    public var scalar: Float {
        precondition(count == 1, "`scalar` needs a tensor with one element; shape is \(shape).")
        return storage.pointer[0]
    }

    /// The element at the given position, one index per dimension.
    public subscript(_ indices: Int...) -> Float {
        get { storage.pointer[flatIndex(indices)] }
        set {
            let index = flatIndex(indices)
            makeUnique()
            storage.pointer[index] = newValue
        }
    }

    /// The same elements viewed with another shape of the same element count.
    ///
    /// One dimension may be `-1`; it is inferred from the others.
    public func reshaped(to newShape: [Int]) -> Tensor {
        Tensor(shape: Tensor.resolve(newShape, count: count, from: shape), storage: storage)
    }

    /// Whether both tensors have the same shape and the same elements.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && (lhs.storage === rhs.storage || lhs.scalars == rhs.scalars)
    }

    // MARK: - Implementation details

    /// Copies the storage if another tensor shares it, so that a write stays private.
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = TensorStorage(copying: storage)
        }
    }

    /// Calls `body` with read access to the elements.
    @inline(__always)
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Calls `body` with write access to the elements, copying shared storage first.
    @inline(__always)
    mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// The read pointer of the elements; valid while `self` is alive and unmodified.
    var pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    /// The write pointer of the elements, after making the storage unique.
    var mutablePointer: UnsafeMutablePointer<Float> {
        mutating get {
            makeUnique()
            return storage.pointer
        }
    }

    private func flatIndex(_ indices: [Int]) -> Int {
        precondition(
            indices.count == shape.count,
            "Tensor of shape \(shape) needs \(shape.count) indices, got \(indices.count).")
        var index = 0
        for (axis, i) in indices.enumerated() {
            precondition(
                i >= 0 && i < shape[axis],
                "Index \(i) is out of range for axis \(axis) of size \(shape[axis]).")
            index = index * shape[axis] + i
        }
        return index
    }

    /// The product of the sizes, checking that none is negative.
    static func elementCount(of shape: [Int]) -> Int {
        var count = 1
        for size in shape {
            precondition(size >= 0, "Tensor shapes cannot have negative sizes: \(shape).")
            count *= size
        }
        return count
    }

    /// Replaces one `-1` in `shape` by the size that makes the element count `count`.
    static func resolve(_ shape: [Int], count: Int, from oldShape: [Int]) -> [Int] {
        var resolved = shape
        let unknown = shape.indices.filter { shape[$0] == -1 }
        precondition(unknown.count <= 1, "At most one dimension of \(shape) may be -1.")
        if let axis = unknown.first {
            let known = shape.enumerated().reduce(1) { $1.offset == axis ? $0 : $0 * $1.element }
            precondition(
                known > 0 && count % known == 0,
                "Cannot reshape \(oldShape) (\(count) elements) to \(shape).")
            resolved[axis] = count / known
        }
        precondition(
            elementCount(of: resolved) == count,
            "Cannot reshape \(oldShape) (\(count) elements) to \(shape).")
        return resolved
    }
}
