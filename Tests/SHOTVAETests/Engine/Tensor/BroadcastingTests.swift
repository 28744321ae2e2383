import Testing

@testable import SHOTVAE

/// Broadcasting and its reverse (summing to a shape), against a naive index-by-index reference.
@Suite struct BroadcastingTests {
    /// `a + 10 b` computed index by index with explicit broadcasting.
    func reference(_ a: Tensor, _ b: Tensor) -> Tensor {
        let rank = max(a.rank, b.rank)
        let sa = Array(repeating: 1, count: rank - a.rank) + a.shape
        let sb = Array(repeating: 1, count: rank - b.rank) + b.shape
        let shape = zip(sa, sb).map { max($0, $1) }
        let count = shape.reduce(1, *)
        var result = [Float](repeating: 0, count: count)
        for flat in 0..<count {
            var rest = flat
            var index = [Int](repeating: 0, count: rank)
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            func offset(_ dims: [Int]) -> Int {
                var o = 0
                for axis in 0..<rank { o = o * dims[axis] + (dims[axis] == 1 ? 0 : index[axis]) }
                return o
            }
            result[flat] = a.scalars[offset(sa)] + 10 * b.scalars[offset(sb)]
        }
        return Tensor(shape: shape, scalars: result)
    }

    @Test(arguments: [
        ([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([4, 1], [1, 5]), ([2, 3, 4, 5], [1, 3, 1, 1]),
        ([1, 3, 1, 1], [2, 3, 4, 5]), ([2, 1, 4], [3, 1]), ([], [2, 2]), ([2, 3, 1], [1, 1, 7]),
        ([5, 1, 1, 3], [1, 4, 2, 1]),
    ] as [([Int], [Int])])
    func matchesReference(lhs: [Int], rhs: [Int]) {
        let a = randomTensor(lhs, seed: 1)
        let b = randomTensor(rhs, seed: 2)
        let result = a.broadcast(b, vector: { $0 + 10 * $1 }, scalar: { $0 + 10 * $1 })
        expectClose(result, reference(a, b))
    }

    @Test func incompatibleShapesAreRejected() {
        #expect(Broadcast([2, 3], [4, 3]) == nil)
        #expect(Broadcast([2, 3], [2]) == nil)
    }

    @Test(arguments: [
        ([2, 3, 4], [1, 3, 1]), ([2, 3, 4], [4]), ([2, 3, 4], []), ([2, 3, 4], [2, 1, 4]), ([5, 6], [5, 1]),
    ] as [([Int], [Int])])
    func summedToShapeMatchesReference(source: [Int], target: [Int]) {
        let x = randomTensor(source, seed: 3)
        // Sum by brute force: every source element goes to its broadcast position in the target.
        let aligned = Array(repeating: 1, count: source.count - target.count) + target
        var expected = [Float](repeating: 0, count: max(target.reduce(1, *), 1))
        for flat in 0..<x.count {
            var rest = flat
            var index = [Int](repeating: 0, count: source.count)
            for axis in stride(from: source.count - 1, through: 0, by: -1) {
                index[axis] = rest % source[axis]
                rest /= source[axis]
            }
            var o = 0
            for axis in 0..<source.count { o = o * aligned[axis] + (aligned[axis] == 1 ? 0 : index[axis]) }
            expected[o] += x.scalars[flat]
        }
        expectClose(x.summed(to: target), Tensor(shape: target, scalars: expected), relative: 1e-5, absolute: 1e-5)
    }

    @Test func expandedRepeatsAlongSizeOneAxes() {
        let column = Tensor(shape: [2, 1], scalars: [1, 2])
        #expect(column.expanded(to: [2, 3]).scalars == [1, 1, 1, 2, 2, 2])
        let row = Tensor(shape: [3], scalars: [1, 2, 3])
        #expect(row.expanded(to: [2, 3]).scalars == [1, 2, 3, 1, 2, 3])
    }
}
