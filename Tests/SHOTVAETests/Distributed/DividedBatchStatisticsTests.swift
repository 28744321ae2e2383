import Testing

@testable import SHOTVAE

/// Synchronized batch norm: a training pass over a batch divided among processes (threads of
/// the test process, ``ThreadGroup``) gives each process its rows of the one-process pass over
/// the whole batch, in values and in the input's gradient; γ's and β's gradients sum to the
/// whole batch's; and the running statistics are the whole batch's, the same on every process
/// bit for bit.
@Suite struct DividedBatchStatisticsTests {
    /// What one process computed.
    struct Pass: Sendable {
        var output: [Float]
        var inputGradient: [Float]
        var normWeightGradient: [Float]
        var normBiasGradient: [Float]
        var runningMean: [Float]
        var runningVariance: [Float]
    }

    /// The operations under test: batch norm alone, and fused into the pre-activation
    /// convolution of a wide residual block.
    enum Operation: String, CaseIterable, Sendable {
        case batchNorm, preActivationConv2d
    }

    /// The whole batch: 7 examples of 3 channels, `[7, 3]` or `[7, 3, 5, 5]`, with a mean and
    /// a spread that differ by channel.
    static func wholeInput(imageLike: Bool) -> Tensor {
        var x = randomTensor(imageLike ? [7, 3, 5, 5] : [7, 3], seed: 41, scale: 2, shift: 0.7)
        let pixels = imageLike ? 25 : 1
        let values = x.mutablePointer
        for i in 0..<x.count where (i / pixels) % 3 == 1 { values[i] = values[i] * 3 + 5 }
        return x
    }

    /// One training pass of `operation` on `rows` of the whole batch, seeded with those rows of
    /// a fixed output gradient.
    static func pass(
        _ operation: Operation, imageLike: Bool, rows: Range<Int>, processes: (any Communicator)?
    ) -> Pass {
        let whole = wholeInput(imageLike: imageLike)
        let input = Variable(whole.rows(Array(rows)), requiresGradient: true)
        let gamma = Variable(randomTensor([3], seed: 42, shift: 1), requiresGradient: true)
        let beta = Variable(randomTensor([3], seed: 43), requiresGradient: true)
        var runningMean = randomTensor([3], seed: 44)
        var runningVariance = Tensor(shape: [3], repeating: 1.5)
        let output: Variable
        switch operation {
        case .batchNorm:
            output = batchNorm(
                input, weight: gamma, bias: beta, runningMean: &runningMean, runningVariance: &runningVariance,
                isTraining: true, processes: processes)
        case .preActivationConv2d:
            let kernel = Variable(randomTensor([4, 3, 3, 3], seed: 45, scale: 0.5), requiresGradient: true)
            output = preActivationConv2d(
                input, normWeight: gamma, normBias: beta, runningMean: &runningMean, runningVariance: &runningVariance,
                isTraining: true, negativeSlope: 0.1, weight: kernel, padding: 1, processes: processes)
        }
        let seed = randomTensor([7] + output.shape.dropFirst(), seed: 46)
        output.backward(gradient: seed.rows(Array(rows)))
        return Pass(
            output: output.value.scalars, inputGradient: input.gradient!.scalars,
            normWeightGradient: gamma.gradient!.scalars, normBiasGradient: beta.gradient!.scalars,
            runningMean: runningMean.scalars, runningVariance: runningVariance.scalars)
    }

    /// Expects two lists of values to agree within `tolerance`, relative to the larger of 1
    /// and each expected value.
    static func expectClose(
        _ actual: [Float], _ expected: [Float], tolerance: Float, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        let worst = zip(actual, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "\(what) differ by up to \(worst) (relative)", sourceLocation: sourceLocation)
    }

    @Test(arguments: Operation.allCases, [true, false])
    func dividedPassIsTheWholePass(operation: Operation, imageLike: Bool) throws {
        guard operation == .batchNorm || imageLike else { return }  // the convolution takes images
        let whole = Self.pass(operation, imageLike: imageLike, rows: 0..<7, processes: nil)
        let divided = try ThreadGroup(size: 3).run { communicator in
            Self.pass(
                operation, imageLike: imageLike,
                rows: BatchRows(wholeCount: 7, processCount: 3, rank: communicator.rank).own, processes: communicator)
        }
        Self.expectClose(divided.flatMap(\.output), whole.output, tolerance: 1e-5, "outputs")
        Self.expectClose(divided.flatMap(\.inputGradient), whole.inputGradient, tolerance: 1e-4, "input gradients")
        let gammaSum = (0..<3).map { c in divided.map { $0.normWeightGradient[c] }.reduce(0, +) }
        let betaSum = (0..<3).map { c in divided.map { $0.normBiasGradient[c] }.reduce(0, +) }
        Self.expectClose(gammaSum, whole.normWeightGradient, tolerance: 1e-4, "γ gradients")
        Self.expectClose(betaSum, whole.normBiasGradient, tolerance: 1e-4, "β gradients")
        Self.expectClose(divided[0].runningMean, whole.runningMean, tolerance: 1e-5, "running means")
        Self.expectClose(divided[0].runningVariance, whole.runningVariance, tolerance: 1e-5, "running variances")
        for rank in 1..<3 {
            #expect(divided[rank].runningMean == divided[0].runningMean && divided[rank].runningVariance == divided[0].runningVariance,
                    "process \(rank)'s running statistics differ from process 0's")
        }
        // Each process's own statistics alone would normalize differently: the check above
        // can fail.
        let alone = Self.pass(operation, imageLike: imageLike, rows: 0..<2, processes: nil)
        let difference = zip(alone.output, whole.output).map { abs($0 - $1) }.max()!
        #expect(difference > 1e-2, "the first two rows normalized alone differ by only \(difference)")
    }

    /// The combination of moments is Chan's update: shares of 1, 2 and 4 values give the
    /// mean and variance of the 7, on every process alike.
    @Test func combinedMomentsAreTheWholeBatchs() throws {
        let values: [[Float]] = [[3], [-1, 4], [10, 10.5, 0.25, 2]]
        let all = values.flatMap { $0 }.map(Double.init)
        let mean = all.reduce(0, +) / 7
        let variance = all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 7
        let results = try ThreadGroup(size: 3).run { communicator -> [Float] in
            let own = values[communicator.rank].map(Double.init)
            let ownMean = own.reduce(0, +) / Double(own.count)
            var m = Tensor(shape: [1], repeating: Float(ownMean))
            var v = Tensor(shape: [1], repeating: Float(own.map { ($0 - ownMean) * ($0 - ownMean) }.reduce(0, +) / Double(own.count)))
            let count = DividedBatchStatistics.combineMoments(mean: &m, variance: &v, count: own.count, communicator: communicator)
            return [Float(count), m[0], v[0]]
        }
        for result in results {
            #expect(result == results[0])
            #expect(result[0] == 7 && abs(Double(result[1]) - mean) < 1e-5 && abs(Double(result[2]) - variance) < 1e-4, "\(result)")
        }
    }
}
