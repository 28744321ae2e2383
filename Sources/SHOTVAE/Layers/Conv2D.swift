/// A 2-D convolution layer over NCHW batches (PyTorch's `Conv2d`).
public final class Conv2D: Layer {
    /// `true`: each example's output depends on that example alone.
    public var treatsExamplesIndependently: Bool { true }

    /// The kernel, `[outputChannels, inputChannels, kernelSize, kernelSize]`.
    public let weight: Parameter
    /// The bias, `[outputChannels]`, or `nil`.
    public let bias: Parameter?
    /// The step of the window, in pixels.
    public let stride: Int
    /// The zero border added on every side.
    public let padding: Int

    /// Creates a convolution with PyTorch's default initialisation (or `initializer`).
    ///
    /// - Parameters:
    ///   - inputChannels: Channels of the input.
    ///   - outputChannels: Channels of the output.
    ///   - kernelSize: The side of the square kernel.
    ///   - stride: The step of the window.
    ///   - padding: The zero border added on every side.
    ///   - hasBias: Whether to add a learned bias per output channel.
    ///   - initializer: How to draw the kernel.
    ///   - generator: The source of the initial values.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        hasBias: Bool = true, initializer: WeightInitializer = .pytorchDefault,
        generator: inout RandomGenerator
    ) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0, "Conv2D needs positive sizes.")
        let shape = [outputChannels, inputChannels, kernelSize, kernelSize]
        weight = Parameter(initializer.makeWeight(shape: shape, generator: &generator))
        bias = hasBias
            ? Parameter(WeightInitializer.pytorchBias(
                count: outputChannels, fanIn: inputChannels * kernelSize * kernelSize, generator: &generator))
            : nil
        self.stride = stride
        self.padding = padding
    }

    /// The weight and, if present, the bias.
    public var localParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Convolves `[N, inputChannels, H, W]` into `[N, outputChannels, H', W']`.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        conv2d(input, weight: context.variable(weight), bias: bias.map(context.variable),
               stride: stride, padding: padding)
    }
}

extension Conv2D: RectifierFusing {
    /// The convolution and `max(0, ·)` in one pass (see ``RectifierFusing``).
    public func rectified(_ input: Variable, context: ForwardContext) -> Variable {
        rectifiedConv2d(input, weight: context.variable(weight), bias: bias.map(context.variable),
                        stride: stride, padding: padding)
    }
}
