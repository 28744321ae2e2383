import Testing

import SHOTVAE

/// The README's example, compiled and run as written.
@Suite struct ReadmeExampleTests {
    @Test func dependencyExampleRuns() {
        var rng = RandomGenerator(seed: 42)
        let x = Variable(Tensor(normal: [8, 1, 32, 32], generator: &rng))
        let w = Variable(Tensor(normal: [16, 1, 4, 4], standardDeviation: 0.1, generator: &rng),
                         requiresGradient: true)
        let h = conv2d(x, weight: w, stride: 2, padding: 1).relu()            // [8, 16, 16, 16]
        let mean = h.globalAveragePooled()                                      // [8, 16]
        let loss = gaussianKLDivergence(mean: mean, logSigma: mean * 0)         // KL to N(0, I)
        loss.backward()
        #expect(h.shape == [8, 16, 16, 16])
        #expect(loss.value.scalar > 0)
        #expect(w.gradient!.shape == [16, 1, 4, 4])
    }
}
