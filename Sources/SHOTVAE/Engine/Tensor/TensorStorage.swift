#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes allocated for `count` elements (at least one element, so the pointer is valid).
@inline(__always)
private func byteCount(_ count: Int) -> Int {
    max(count, 1) * MemoryLayout<Float>.stride
}

/// The memory behind a ``Tensor``: one contiguous, 64-byte aligned block of `Float`, from
/// the engine's ``BufferPool``.
///
/// Storage is a reference type so that tensors can share it; ``Tensor`` gives it value
/// semantics by copying before a write when the storage is shared (copy-on-write).
final class TensorStorage: @unchecked Sendable {
    /// The first element.
    let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    let count: Int

    /// Alignment of every block: one cache line, and enough for any SIMD width we use.
    static let alignment = 64

    /// Allocates `count` uninitialized elements.
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "A tensor cannot have a negative number of elements (\(count)).")
        self.count = count
        let raw = PhaseClock.measure(.allocation) {
            BufferPool.shared.allocate(bytes: byteCount(count), alignment: TensorStorage.alignment)
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` elements, each set to `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        if value == 0 {
            memset(pointer, 0, count * MemoryLayout<Float>.stride)
        } else {
            pointer.initialize(repeating: value, count: count)
        }
    }

    /// A new block holding a copy of `other`'s elements.
    convenience init(copying other: TensorStorage) {
        self.init(uninitializedCount: other.count)
        pointer.update(from: other.pointer, count: count)
    }

    deinit {
        PhaseClock.measure(.allocation) {
            BufferPool.shared.release(UnsafeMutableRawPointer(pointer), bytes: byteCount(count))
        }
    }
}
