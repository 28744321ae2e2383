import Testing

@testable import SHOTVAE

/// The polyphase kernel gradient's sums kept in the kernel domain against the same sums in the
/// transformed domain (which ``PolyphaseWinogradTests`` checks against the definition): two
/// cores' groups of random transforms, channel counts that do and do not fill the vectors, row
/// counts that do and do not fill the blocks of rows.
struct PolyphaseKernelGradientTests {
    @Test(arguments: [(16, 16, 48), (40, 17, 33), (70, 24, 20)])
    func kernelDomainMatchesTransformedDomain(shape: (smallChannels: Int, largeChannels: Int, tiles: Int)) {
        let (small, large, tiles) = shape
        let positions = PolyphaseWinograd.PhaseTiles.positions
        let gradientLayout = ChannelsLast.Layout(positions: positions, rows: tiles,
                                                 rowLength: PolyphaseWinograd.PhaseTiles.paddedChannels(small))
        let inputLayout = ChannelsLast.Layout(positions: positions, rows: tiles,
                                              rowLength: 4 * PolyphaseWinograd.PhaseTiles.paddedChannels(large))
        // Two groups, one for each of two cores (the same core twice on one core).
        var groups = (0..<2).map { group in
            (randomTensor([gradientLayout.size], seed: 101 + UInt64(group)),
             randomTensor([inputLayout.size], seed: 111 + UInt64(group)))
        }
        let workers = [0, min(1, Parallel.coreCount - 1)]
        func gradient(inKernelDomain: Bool) -> Tensor {
            var sums = PolyphaseWinograd.KernelGradientSums(smallChannels: small, largeChannels: large,
                                                            inKernelDomain: inKernelDomain)
            #expect(sums.inKernelDomain == inKernelDomain)
            for (group, worker) in workers.enumerated() {
                let d = ChannelsLast.Transformed(data: groups[group].0.mutablePointer, layout: gradientLayout)
                let v = ChannelsLast.Transformed(data: groups[group].1.mutablePointer, layout: inputLayout)
                sums.add(worker: worker, transformedGradient: d, transformedInput: v, tiles: tiles)
            }
            return sums.total()
        }
        let kernelDomain = gradient(inKernelDomain: true)
        let transformedDomain = gradient(inKernelDomain: false)
        #expect(kernelDomain.shape == [small, large, 4, 4])
        expectClose(kernelDomain, transformedDomain, relative: 1e-4, absolute: 1e-3)
        #expect(kernelDomain.scalars.contains { abs($0) > 1 })
    }

    /// The decoder's 256-to-128 layer keeps its sums in the kernel domain; the MNIST VAE's
    /// layers keep theirs transformed.
    @Test func domainFollowsTheSumsSize() {
        #expect(PolyphaseWinograd.KernelGradientSums(smallChannels: 256, largeChannels: 128).inKernelDomain)
        #expect(!PolyphaseWinograd.KernelGradientSums(smallChannels: 64, largeChannels: 32).inKernelDomain)
    }
}
