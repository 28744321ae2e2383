/// A 2-D transposed convolution layer over NCHW batches (PyTorch's `ConvTranspose2d`): it
/// upsamples by `stride`, as in the decoders of the paper.
public final class ConvTranspose2D: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// The kernel, `[inputChannels, outputChannels, kernelSize, kernelSize]` (PyTorch's layout).
    public let weight: Parameter
    /// The bias, `[outputChannels]`, or `nil`.
    public let bias: Parameter?
    /// The upsampling factor.
    public let stride: Int
    /// The border removed from every side of the full output.
    public let padding: Int
    /// Extra rows and columns added at the bottom and right of the output.
    public let outputPadding: Int

    /// Creates a transposed convolution with PyTorch's default initialisation (or `initializer`).
    ///
    /// - Parameters:
    ///   - inputChannels: Channels of the input.
    ///   - outputChannels: Channels of the output.
    ///   - kernelSize: The side of the square kernel.
    ///   - stride: The upsampling factor.
    ///   - padding: The border removed from every side of the full output.
    ///   - outputPadding: Extra rows and columns at the bottom and right, less than `stride`.
    ///   - hasBias: Whether to add a learned bias per output channel.
    ///   - initializer: How to draw the kernel.
    ///   - generator: The source of the initial values.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, hasBias: Bool = true, initializer: WeightInitializer = .pytorchDefault,
        generator: inout RandomGenerator
    ) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0, "ConvTranspose2D needs positive sizes.")
        let shape = [inputChannels, outputChannels, kernelSize, kernelSize]
        weight = Parameter(initializer.makeWeight(shape: shape, generator: &generator))
        // PyTorch's fan-in of a transposed convolution weight counts its output channels.
        bias = hasBias
            ? Parameter(WeightInitializer.pytorchBias(
                count: outputChannels, fanIn: outputChannels * kernelSize * kernelSize, generator: &generator))
            : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    /// The weight and, if present, the bias.
    public var localParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Maps `[N, inputChannels, H, W]` to `[N, outputChannels, (H-1)·stride - 2·padding + k + outputPadding, ...]`.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        convTranspose2d(input, weight: context.variable(weight), bias: bias.map(context.variable),
                        stride: stride, padding: padding, outputPadding: outputPadding)
    }
}

extension ConvTranspose2D: RectifierFusing {
    /// The convolution and `max(0, ·)` in one pass (see ``RectifierFusing``).
    public func rectified(_ input: Variable, context: ForwardContext) -> Variable {
        rectifiedConvTranspose2d(input, weight: context.variable(weight), bias: bias.map(context.variable),
                                 stride: stride, padding: padding, outputPadding: outputPadding)
    }
}
