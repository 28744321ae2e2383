/// The per-channel statistics of batch normalization over a batch divided among processes
/// (synchronized batch norm): each process computes its rows' statistics, and every process
/// combines all of them, in rank order, into the whole batch's.
///
/// The combination is gathered rather than summed by the communicator, so that every process
/// adds the same numbers in the same order and holds the same result, bit for bit: the
/// running statistics stay equal on every process.
enum DividedBatchStatistics {
    /// The whole batch's mean and biased variance per channel, in place of this process's,
    /// and the whole batch's number of values per channel.
    ///
    /// The processes' moments are combined as Chan, Golub and LeVeque's pairwise update does,
    /// in double precision: with `n = n_a + n_b` and `δ = μ_b − μ_a`,
    /// `μ = μ_a + δ n_b / n` and `n σ² = n_a σ_a² + n_b σ_b² + δ² n_a n_b / n`.
    ///
    /// - Parameters:
    ///   - mean: This process's per-channel mean, `[C]`; replaced by the whole batch's.
    ///   - variance: This process's biased variance, `[C]`; replaced by the whole batch's.
    ///   - count: The values per channel on this process (`rows · pixels`).
    /// - Returns: The values per channel in the whole batch.
    static func combineMoments(
        mean: inout Tensor, variance: inout Tensor, count: Int, communicator: any Communicator
    ) -> Int {
        let channels = mean.count
        precondition(count < 1 << 24, "A process's share of \(count) values per channel is too large to gather exactly.")
        let stride = 1 + 2 * channels
        var own = [Float](repeating: 0, count: stride)
        own[0] = Float(count)
        for c in 0..<channels {
            own[1 + c] = mean[c]
            own[1 + channels + c] = variance[c]
        }
        let all = gather(own, communicator: communicator)
        var wholeCount = 0.0
        var wholeMean = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)  // n σ²
        for rank in 0..<communicator.size {
            let base = rank * stride
            let n = Double(all[base])
            let total = wholeCount + n
            for c in 0..<channels {
                let (m, v) = (Double(all[base + 1 + c]), Double(all[base + 1 + channels + c]))
                let delta = m - wholeMean[c]
                wholeMean[c] += delta * n / total
                squares[c] += v * n + delta * delta * wholeCount * n / total
            }
            wholeCount = total
        }
        for c in 0..<channels {
            mean[c] = Float(wholeMean[c])
            variance[c] = Float(squares[c] / wholeCount)
        }
        return Int(wholeCount)
    }

    /// The whole batch's per-channel sums, in place of this process's: each tensor's values
    /// summed over the processes, in rank order.
    static func sum(_ sums: inout [Tensor], communicator: any Communicator) {
        let own = sums.flatMap(\.scalars)
        let all = gather(own, communicator: communicator)
        var offset = 0
        for index in sums.indices {
            for i in 0..<sums[index].count {
                var total = 0.0
                for rank in 0..<communicator.size { total += Double(all[rank * own.count + offset + i]) }
                sums[index][i] = Float(total)
            }
            offset += sums[index].count
        }
    }

    /// Every process's `values` (of one length on every process), in rank order.
    private static func gather(_ values: [Float], communicator: any Communicator) -> [Float] {
        var all = [Float](repeating: 0, count: values.count * communicator.size)
        values.withUnsafeBufferPointer { own in
            all.withUnsafeMutableBufferPointer { result in
                communicator.allGather(own, counts: Array(repeating: values.count, count: communicator.size), into: result)
            }
        }
        return all
    }
}
