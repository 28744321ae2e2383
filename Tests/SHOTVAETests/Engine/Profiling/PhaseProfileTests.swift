import Foundation
import Testing

@_spi(Benchmarks) @testable import SHOTVAE

/// Phase profiles: the multiply-adds the products perform, the phases they count in, and the
/// machine limits the benchmarks measure against. One profile runs at a time, so the tests run
/// one after the other.
@Suite(.serialized) struct PhaseProfileTests {
    /// A dense layer's forward and backward passes: the products' multiply-adds are the three
    /// products' shapes, the time falls in the dense and product phases, and no phase takes
    /// more than the cores had.
    @Test func denseLayerCountsItsProducts() {
        let (batch, inputs, outputs) = (64, 96, 48)
        let x = Variable(randomTensor([batch, inputs], seed: 1), requiresGradient: true)
        let w = Variable(randomTensor([outputs, inputs], seed: 2), requiresGradient: true)
        let (_, profile) = PhaseProfile.profile {
            matmul(x, w, transposeB: true).sum().backward()
        }
        // y = x wᵀ, dx = dy w, dw = dyᵀ x: three products of batch · inputs · outputs.
        #expect(profile.multiplyAdds == Double(3 * batch * inputs * outputs))
        #expect(profile.seconds(.products) > 0)
        #expect(profile.seconds(.denseForward) + profile.seconds(.denseBackward) > 0)
        #expect(profile.seconds(.convolutionForward) == 0 && profile.seconds(.optimizer) == 0)
        let accounted = profile.seconds.reduce(0, +)
        #expect(accounted <= profile.wallSeconds * Double(profile.cores) * 1.001 + 1e-6,
                "\(accounted) s in phases, \(profile.wallSeconds) s on \(profile.cores) cores")
        #expect(abs(profile.share(.products) - profile.seconds(.products) / (profile.wallSeconds * Double(profile.cores))) < 1e-12)
    }

    /// Winograd convolutions count the multiply-adds of their 36 products per group, not
    /// im2col's: 36 · tiles · C · O for the forward pass.
    @Test func winogradCountsItsTransformedProducts() {
        let (batch, channels, outputs, side) = (4, 16, 16, 8)
        let x = Variable(randomTensor([batch, channels, side, side], seed: 3))
        let w = Variable(randomTensor([outputs, channels, 3, 3], seed: 4))
        let (_, profile) = PhaseProfile.profile { _ = conv2d(x, weight: w, padding: 1) }
        let tiles = batch * (side / 4) * (side / 4)
        #expect(profile.multiplyAdds == Double(36 * tiles * channels * outputs))
        #expect(profile.seconds(.transforms) > 0 && profile.seconds(.products) > 0)
        #expect(profile.seconds(.convolutionForward) >= 0)
    }

    /// The optimizer's elementwise update counts as the optimizer; elementwise passes outside
    /// any layer count as elementwise.
    @Test func elementwisePassesCountInTheirEnclosingPhase() {
        let parameter = Parameter(randomTensor([1 << 16], seed: 5))
        parameter.gradient = randomTensor([1 << 16], seed: 6)
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)
        let (_, update) = PhaseProfile.profile { optimizer.step() }
        #expect(update.seconds(.optimizer) > 0 && update.seconds(.elementwise) == 0)
        let values = Variable(randomTensor([1 << 16], seed: 7))
        let (_, passes) = PhaseProfile.profile { _ = (values * values).exp() }
        #expect(passes.seconds(.elementwise) > 0 && passes.seconds(.optimizer) == 0)
    }

    /// Work on another thread while a profile runs does not count in it.
    @Test func otherThreadsDoNotCount() {
        let stop = StopFlag()
        let other = Thread {
            let x = Variable(randomTensor([32, 32], seed: 8))
            while !stop.isSet { _ = matmul(x, x) }
        }
        other.start()
        defer { stop.set() }
        let (_, profile) = PhaseProfile.profile { Thread.sleep(forTimeInterval: 0.05) }
        #expect(profile.multiplyAdds == 0 && profile.seconds(.products) == 0)
    }

    /// The FMA peak is measured with the chosen kernels, and is at least what the products reach.
    @Test func fmaPeakIsMeasured() {
        let peak = MachineLimits.fmaPeak(seconds: 0.05)
        #expect(peak > 0)
        #expect(MachineLimits.instructionSet == InstructionSet.current.name)
    }
}

/// A flag one thread sets and another reads.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
