/// A pre-activation basic block of a wide residual network: `BN → LeakyReLU → conv 3x3
/// (stride) → BN → LeakyReLU → conv 3x3`, plus the input, or, where the shape changes, a
/// `BN → LeakyReLU → conv 1x1 (stride)` shortcut (Zagoruyko and Komodakis, 2016).
///
/// Parameter names follow the PyTorch reference model of the benchmarks
/// (`pre1`, `conv1`, `pre2`, `conv2`, `preShortcut`, `convShortcut`).
public final class WideResidualBlock: Layer {
    let pre1: BatchNorm
    let conv1: Conv2D
    let pre2: BatchNorm
    let conv2: Conv2D
    let preShortcut: BatchNorm?
    let convShortcut: Conv2D?
    /// The slope of the leaky ReLUs.
    public let negativeSlope: Float

    /// Creates a block.
    ///
    /// - Parameters:
    ///   - inputChannels: Channels in.
    ///   - outputChannels: Channels out.
    ///   - stride: The stride of the first convolution and of the shortcut.
    ///   - negativeSlope: The leaky ReLU's slope (the paper: 0.1).
    ///   - generator: The source of the initial weights.
    public init(inputChannels: Int, outputChannels: Int, stride: Int, negativeSlope: Float, generator: inout RandomGenerator) {
        pre1 = BatchNorm(featureCount: inputChannels)
        conv1 = Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, stride: stride,
                       padding: 1, hasBias: false, generator: &generator)
        pre2 = BatchNorm(featureCount: outputChannels)
        conv2 = Conv2D(inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1,
                       hasBias: false, generator: &generator)
        if inputChannels != outputChannels || stride != 1 {
            preShortcut = BatchNorm(featureCount: inputChannels)
            convShortcut = Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1,
                                  stride: stride, hasBias: false, generator: &generator)
        } else {
            preShortcut = nil
            convShortcut = nil
        }
        self.negativeSlope = negativeSlope
    }

    /// The block's layers.
    public var children: [(name: String, layer: any Layer)] {
        var layers: [(name: String, layer: any Layer)] = [("pre1", pre1), ("conv1", conv1), ("pre2", pre2), ("conv2", conv2)]
        if let preShortcut, let convShortcut {
            layers += [("preShortcut", preShortcut), ("convShortcut", convShortcut)]
        }
        return layers
    }

    /// The residual function plus the shortcut. Each `BN → LeakyReLU → conv` runs as one
    /// ``preActivationConv2d(_:normWeight:normBias:runningMean:runningVariance:isTraining:momentum:epsilon:negativeSlope:weight:stride:padding:processes:)``,
    /// which keeps only its input for the backward pass.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        let h = preActivated(input, norm: pre1, conv: conv1, context: context)
        let body = preActivated(h, norm: pre2, conv: conv2, context: context)
        guard let preShortcut, let convShortcut else { return body + input }
        return body + preActivated(input, norm: preShortcut, conv: convShortcut, context: context)
    }

    /// `conv(leakyReLU(norm(x)))`, fused.
    func preActivated(_ x: Variable, norm: BatchNorm, conv: Conv2D, context: ForwardContext) -> Variable {
        preActivationConv2d(
            x, normWeight: context.variable(norm.weight), normBias: context.variable(norm.bias),
            runningMean: &norm.runningMean.value, runningVariance: &norm.runningVariance.value,
            isTraining: context.isTraining, momentum: norm.momentum, epsilon: norm.epsilon,
            negativeSlope: negativeSlope, weight: context.variable(conv.weight), stride: conv.stride,
            padding: conv.padding, processes: context.batchProcesses)
    }
}

/// WideResNet-`depth`-`k` for 32x32 images, the encoder of the paper's CIFAR runs (Method.md
/// section 6): a 3x3 stem convolution (3 → 16), three groups of `(depth - 4) / 6`
/// pre-activation blocks with widths 16k, 32k, 64k and strides 1, 2, 2, then batch norm,
/// leaky ReLU and global average pooling to `64k` features.
public final class WideResNet: Layer {
    /// The features per image, `64 · widthFactor`.
    public let featureCount: Int
    let stem: Conv2D
    let blocks: Sequential
    let finalNorm: BatchNorm
    let negativeSlope: Float

    /// Creates the network.
    ///
    /// - Parameters:
    ///   - depth: `6n + 4` layers; 28 gives four blocks per group.
    ///   - widthFactor: `k`; 2 for WideResNet-28-2, 10 for 28-10.
    ///   - inputChannels: 3 for colour images.
    ///   - negativeSlope: The leaky ReLU's slope (the paper: 0.1).
    ///   - generator: The source of the initial weights.
    public init(depth: Int = 28, widthFactor: Int = 2, inputChannels: Int = 3, negativeSlope: Float = 0.1,
                generator: inout RandomGenerator) {
        precondition(depth >= 10 && (depth - 4) % 6 == 0, "A WideResNet's depth is 6n + 4, got \(depth).")
        precondition(widthFactor > 0, "The width factor must be positive.")
        let blocksPerGroup = (depth - 4) / 6
        stem = Conv2D(inputChannels: inputChannels, outputChannels: 16, kernelSize: 3, padding: 1, generator: &generator)
        var layers: [any Layer] = []
        var channels = 16
        for (group, width) in [16, 32, 64].map({ $0 * widthFactor }).enumerated() {
            for block in 0..<blocksPerGroup {
                let stride = group > 0 && block == 0 ? 2 : 1
                layers.append(WideResidualBlock(
                    inputChannels: channels, outputChannels: width, stride: stride, negativeSlope: negativeSlope,
                    generator: &generator))
                channels = width
            }
        }
        blocks = Sequential(layers)
        finalNorm = BatchNorm(featureCount: channels)
        featureCount = channels
        self.negativeSlope = negativeSlope
    }

    /// `stem`, `blocks`, `finalNorm`.
    public var children: [(name: String, layer: any Layer)] {
        [("stem", stem), ("blocks", blocks), ("finalNorm", finalNorm)]
    }

    /// `[N, C, 32, 32]` images to `[N, featureCount]` features.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        let h = blocks(stem(input, context: context), context: context)
        return finalNorm(h, context: context).leakyReLU(negativeSlope: negativeSlope).globalAveragePooled()
    }
}
