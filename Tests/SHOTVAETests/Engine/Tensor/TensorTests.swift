import Testing

@testable import SHOTVAE

@Suite struct TensorTests {
    @Test func shapeElementsAndSubscript() {
        var t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.shape == [2, 3])
        #expect(t.count == 6)
        #expect(t.rank == 2)
        #expect(t[1, 2] == 6)
        t[0, 1] = 20
        #expect(t.scalars == [1, 20, 3, 4, 5, 6])
    }

    @Test func copiesDoNotShareWrites() {
        let original = Tensor(shape: [4], scalars: [1, 2, 3, 4])
        var copy = original
        copy[0] = 100
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(copy.scalars == [100, 2, 3, 4])
        var reshaped = original.reshaped(to: [2, 2])
        reshaped[1, 1] = -1
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(reshaped.scalars == [1, 2, 3, -1])
    }

    @Test func uniqueStorageIsWrittenInPlace() {
        var t = Tensor(shape: [3], repeating: 1)
        let before = t.pointer
        t[2] = 5
        #expect(t.pointer == before)
    }

    @Test func reshapeInfersOneDimension() {
        let t = Tensor(shape: [2, 3, 4], repeating: 0)
        #expect(t.reshaped(to: [6, -1]).shape == [6, 4])
        #expect(t.reshaped(to: [-1]).shape == [24])
    }

    @Test func rankZeroHoldsOneScalar() {
        let t = Tensor(3.5)
        #expect(t.shape == [])
        #expect(t.count == 1)
        #expect(t.scalar == 3.5)
    }

    @Test func storageIsCacheLineAligned() {
        for count in [1, 3, 17, 1000] {
            let t = Tensor(shape: [count])
            #expect(Int(bitPattern: t.pointer) % 64 == 0)
        }
    }
}
