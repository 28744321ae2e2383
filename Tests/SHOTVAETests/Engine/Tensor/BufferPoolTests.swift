import Testing
@testable import SHOTVAE

@Suite struct BufferPoolTests {
    @Test func pooledSizesAreRoundedToPowersOfTwoPages() {
        let small = BufferPool.minimumBytes - 4
        #expect(BufferPool.roundedSize(small) == small)
        #expect(BufferPool.roundedSize(BufferPool.minimumBytes) == BufferPool.minimumBytes)
        #expect(BufferPool.roundedSize(BufferPool.minimumBytes + 1) == 2 * BufferPool.minimumBytes)
        #expect(BufferPool.roundedSize(3 << 20) == 4 << 20)
        #expect(BufferPool.roundedSize(4 << 20) == 4 << 20)
    }

    @Test func aReleasedBlockServesTheNextRequestOfItsClass() {
        let pool = BufferPool(capacityBytes: 64 << 20)
        let first = pool.allocate(bytes: 3 << 20, alignment: 64)
        pool.release(first, bytes: 3 << 20)
        let second = pool.allocate(bytes: (3 << 20) + 12_345, alignment: 64)
        #expect(second == first)
        let other = pool.allocate(bytes: 5 << 20, alignment: 64)
        #expect(other != first)
        pool.release(second, bytes: (3 << 20) + 12_345)
        pool.release(other, bytes: 5 << 20)
    }
}
