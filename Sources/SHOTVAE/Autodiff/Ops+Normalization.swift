/// Batch normalization over the batch (and pixel) axes of `[N, C]` or `[N, C, H, W]`
/// (Ioffe and Szegedy, 2015), with PyTorch's conventions.
///
/// In training, each channel is normalized by the mean and biased variance of the batch,
/// and the running statistics move towards them: `running = (1 - momentum) · running +
/// momentum · batch`, with the *unbiased* batch variance. In inference, the running
/// statistics are used instead and stay unchanged.
///
/// - Parameters:
///   - input: `[N, C]` or `[N, C, H, W]`.
///   - weight: `[C]`, the scale γ.
///   - bias: `[C]`, the shift β.
///   - runningMean: `[C]`, updated in training.
///   - runningVariance: `[C]`, updated in training.
///   - isTraining: Whether to use (and update) batch statistics.
///   - momentum: The weight of the new batch in the running statistics (PyTorch: 0.1).
///   - epsilon: Added to the variance before the square root (PyTorch: 1e-5).
///   - processes: In training, the processes among which the whole batch is divided
///     (``ForwardContext/batchProcesses``): the statistics, and the backward pass's two
///     per-channel sums, are then the whole batch's, combined across the processes, so that
///     the output and the input gradient are the one-process pass's rows (synchronized batch
///     norm). Every process must then call it, in the same order. `nil`: this batch alone.
public func batchNorm(
    _ input: Variable, weight: Variable, bias: Variable,
    runningMean: inout Tensor, runningVariance: inout Tensor,
    isTraining: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5, processes: (any Communicator)? = nil
) -> Variable {
    let x = input.value
    precondition(x.rank == 2 || x.rank == 4, "batchNorm needs [N, C] or [N, C, H, W], got \(x.shape).")
    let (batch, channels) = (x.shape[0], x.shape[1])
    let pixels = x.rank == 4 ? x.shape[2] * x.shape[3] : 1
    for (name, t) in [("weight", weight.value), ("bias", bias.value), ("runningMean", runningMean), ("runningVariance", runningVariance)] {
        precondition(t.shape == [channels], "batchNorm: \(name) must be [\(channels)], got \(t.shape).")
    }
    let (transform, y) = PhaseClock.measure(.batchNormForward) {
        let transform = BatchNormTransform(
            operation: "batchNorm", input: x, gamma: weight.value, beta: bias.value,
            runningMean: &runningMean, runningVariance: &runningVariance,
            isTraining: isTraining, momentum: momentum, epsilon: epsilon, processes: processes)
        var y = Tensor(uninitializedShape: x.shape)
        Kernels.channelAffine(
            x.pointer, y.mutablePointer, batch: batch, channels: channels, pixels: pixels,
            scale: transform.scale.pointer, shift: transform.shift.pointer)
        return (transform, y)
    }
    let (inputNode, weightNode, biasNode) = (input.node, weight.node, bias.node)
    return Variable(y, inputs: [input, weight, bias]) { gradient in
        PhaseClock.measure(.batchNormBackward) {
            transform.backward(gradient, input: x, inputNode: inputNode, gammaNode: weightNode, betaNode: biasNode)
        }
    }
}

/// A batch norm as the per-channel affine map `y = scale · x + shift`, with the statistics its
/// backward pass needs: computed once for ``batchNorm(_:weight:bias:runningMean:runningVariance:isTraining:momentum:epsilon:processes:)``
/// and for the fused ``preActivationConv2d(_:normWeight:normBias:runningMean:runningVariance:isTraining:momentum:epsilon:negativeSlope:weight:stride:padding:processes:)``.
struct BatchNormTransform {
    let batch: Int
    let channels: Int
    let pixels: Int
    let isTraining: Bool
    /// In training over a batch divided among processes, those processes.
    let processes: (any Communicator)?
    /// The values per channel that the statistics cover: the whole batch's.
    let count: Int
    /// μ per channel: the batch's in training, the running one in inference.
    let mean: Tensor
    /// σ⁻¹ = 1 / sqrt(var + ε) per channel.
    let inverseDeviation: Tensor
    /// γ.
    let gamma: Tensor
    /// γ σ⁻¹.
    let scale: Tensor
    /// β - μ γ σ⁻¹.
    let shift: Tensor

    /// Batch statistics in training (moving the running statistics towards them, with the
    /// unbiased variance), running statistics in inference.
    ///
    /// - Parameters:
    ///   - operation: The caller's name, for precondition messages.
    ///   - processes: In training, the processes among which the whole batch is divided, whose
    ///     statistics are combined (``DividedBatchStatistics``); `nil` for this batch alone.
    init(
        operation: String, input x: Tensor, gamma: Tensor, beta: Tensor,
        runningMean: inout Tensor, runningVariance: inout Tensor,
        isTraining: Bool, momentum: Float, epsilon: Float, processes: (any Communicator)?
    ) {
        let (batch, channels) = (x.shape[0], x.shape[1])
        let pixels = x.rank == 4 ? x.shape[2] * x.shape[3] : 1
        let processes = isTraining && (processes?.size ?? 1) > 1 ? processes : nil
        var count = batch * pixels
        var mean = Tensor(uninitializedShape: [channels])
        var inverseDeviation = Tensor(uninitializedShape: [channels])
        if isTraining {
            precondition(count > 0, "\(operation) in training needs values to normalize, got \(x.shape).")
            var variance = Tensor(uninitializedShape: [channels])
            Kernels.channelMoments(
                x.pointer, batch: batch, channels: channels, pixels: pixels,
                mean: mean.mutablePointer, variance: variance.mutablePointer)
            if let processes {
                count = DividedBatchStatistics.combineMoments(
                    mean: &mean, variance: &variance, count: count, communicator: processes)
            }
            precondition(count > 1, "\(operation) in training needs more than one value per channel, got \(count) (input \(x.shape)).")
            let unbiased = Float(count) / Float(count - 1)
            let rm = runningMean.mutablePointer
            let rv = runningVariance.mutablePointer
            let invStd = inverseDeviation.mutablePointer
            for c in 0..<channels {
                rm[c] = (1 - momentum) * rm[c] + momentum * mean[c]
                rv[c] = (1 - momentum) * rv[c] + momentum * variance[c] * unbiased
                invStd[c] = 1 / (variance[c] + epsilon).squareRoot()
            }
        } else {
            mean = runningMean
            let invStd = inverseDeviation.mutablePointer
            for c in 0..<channels { invStd[c] = 1 / (runningVariance[c] + epsilon).squareRoot() }
        }
        // y = γ (x - μ) σ⁻¹ + β = scale · x + shift
        var scale = Tensor(uninitializedShape: [channels])
        var shift = Tensor(uninitializedShape: [channels])
        for c in 0..<channels {
            scale[c] = gamma[c] * inverseDeviation[c]
            shift[c] = beta[c] - mean[c] * scale[c]
        }
        (self.batch, self.channels, self.pixels, self.isTraining) = (batch, channels, pixels, isTraining)
        (self.processes, self.count) = (processes, count)
        (self.mean, self.inverseDeviation, self.gamma, self.scale, self.shift) = (mean, inverseDeviation, gamma, scale, shift)
    }

    /// Adds the gradients of `x`, γ and β, given the gradient of `y` (for the nodes present).
    ///
    /// Over a batch divided among processes, `x`'s gradient needs the whole batch's sums
    /// `Σ dy` and `Σ dy x̂`, which are combined across the processes; γ and β receive this
    /// process's own sums, which the step's gradient sum adds up with the others'.
    func backward(
        _ gradient: Tensor, input x: Tensor,
        inputNode: GradientNode?, gammaNode: GradientNode?, betaNode: GradientNode?
    ) {
        var sums = (gradient: Tensor(uninitializedShape: [channels]), normalized: Tensor(uninitializedShape: [channels]))
        Kernels.channelGradientSums(
            gradient.pointer, x.pointer, batch: batch, channels: channels, pixels: pixels,
            mean: mean.pointer, inverseDeviation: inverseDeviation.pointer,
            sumGradient: sums.gradient.mutablePointer, sumGradientNormalized: sums.normalized.mutablePointer)
        if let inputNode {
            var dx = Tensor(uninitializedShape: x.shape)
            inputGradient(of: gradient.pointer, input: x, sums: sums, into: dx.mutablePointer)
            inputNode.accumulateGradient(dx)
        }
        gammaNode?.accumulateGradient(sums.normalized)
        betaNode?.accumulateGradient(sums.gradient)
    }

    /// ``backward(_:input:inputNode:gammaNode:betaNode:)`` of the batch norm under a leaky
    /// rectifier, `leakyReLU(scale · x + shift)`, given the gradient of the rectifier's output,
    /// which it takes over: the gradient through the rectifier and its sums come from one pass
    /// over `gradient` and `x`, and the input gradient is written into `gradient`'s storage.
    func backward(
        throughLeakyReLU gradient: consuming Tensor, negativeSlope: Float, input x: Tensor,
        inputNode: GradientNode?, gammaNode: GradientNode?, betaNode: GradientNode?
    ) {
        var dz = gradient
        var sums = (gradient: Tensor(uninitializedShape: [channels]), normalized: Tensor(uninitializedShape: [channels]))
        Kernels.channelAffineLeakyReLUGradientSums(
            dz.mutablePointer, x.pointer, batch: batch, channels: channels, pixels: pixels,
            scale: scale.pointer, shift: shift.pointer, negativeSlope: negativeSlope,
            mean: mean.pointer, inverseDeviation: inverseDeviation.pointer,
            sumGradient: sums.gradient.mutablePointer, sumGradientNormalized: sums.normalized.mutablePointer)
        finish(consume dz, sums: sums, input: x, inputNode: inputNode, gammaNode: gammaNode, betaNode: betaNode)
    }

    /// ``backward(throughLeakyReLU:negativeSlope:input:inputNode:gammaNode:betaNode:)`` when the
    /// gradient has already gone through the rectifier: `gradient` is `dz`, the gradient of
    /// `scale · x + shift`, which it takes over, and `sums` its per-channel `Σ dz` and `Σ dz (x -
    /// μ)` (``ChannelsLast/ActivationGradient``). The input gradient is written into
    /// `gradient`'s storage.
    func backward(
        rectifiedGradient gradient: consuming Tensor, sums: (gradient: Tensor, centered: Tensor), input x: Tensor,
        inputNode: GradientNode?, gammaNode: GradientNode?, betaNode: GradientNode?
    ) {
        var normalized = Tensor(uninitializedShape: [channels])
        let (centered, deviation, destination) = (sums.centered.pointer, inverseDeviation.pointer, normalized.mutablePointer)
        for c in 0..<channels { destination[c] = centered[c] * deviation[c] }
        finish(consume gradient, sums: (sums.gradient, normalized), input: x,
               inputNode: inputNode, gammaNode: gammaNode, betaNode: betaNode)
    }

    /// The end of both backward passes under a rectifier: the input gradient from `dz` (the
    /// gradient of `scale · x + shift`) and its sums, written into `dz`'s storage and passed to
    /// `inputNode`, and the sums to γ and β.
    private func finish(
        _ gradient: consuming Tensor, sums: (gradient: Tensor, normalized: Tensor), input x: Tensor,
        inputNode: GradientNode?, gammaNode: GradientNode?, betaNode: GradientNode?
    ) {
        var dz = gradient
        if let inputNode {
            let pointer = dz.mutablePointer
            inputGradient(of: pointer, input: x, sums: sums, into: pointer)
            inputNode.accumulateGradient(dz)
        }
        gammaNode?.accumulateGradient(sums.normalized)
        betaNode?.accumulateGradient(sums.gradient)
    }

    /// The input gradient from the output gradient `dy` and its per-channel sums `Σ dy` and
    /// `Σ dy x̂` (this process's), into `dx` (which may be `dy`).
    private func inputGradient(
        of dy: UnsafePointer<Float>, input x: Tensor, sums: (gradient: Tensor, normalized: Tensor),
        into dx: UnsafeMutablePointer<Float>
    ) {
        if isTraining {
            var wholeSums = [sums.gradient, sums.normalized]
            if let processes { DividedBatchStatistics.sum(&wholeSums, communicator: processes) }
            Kernels.batchNormInputGradient(
                dy, x.pointer, dx,
                batch: batch, channels: channels, pixels: pixels, count: count,
                mean: mean.pointer, inverseDeviation: inverseDeviation.pointer, gamma: gamma.pointer,
                sumGradient: wholeSums[0].pointer, sumGradientNormalized: wholeSums[1].pointer)
        } else {
            // Statistics are constants: dx = γ σ⁻¹ dy.
            let zero = Tensor(shape: [channels])
            Kernels.channelAffine(
                dy, dx, batch: batch, channels: channels, pixels: pixels, scale: scale.pointer, shift: zero.pointer)
        }
    }
}
