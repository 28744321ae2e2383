/// Layers applied one after the other.
///
/// Children are named by position (`0`, `1`, ...) as in PyTorch's `nn.Sequential`, or by
/// the names given, so parameter names match a PyTorch model built the same way.
///
/// ```swift
/// let encoder = Sequential([
///     Conv2D(inputChannels: 1, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1, generator: &rng),
///     ReLU(),
/// ])
/// // parameters: "0.weight", "0.bias"
/// ```
///
/// ## Fusing a layer with the rectifier after it
///
/// When a child that conforms to ``RectifierFusing`` (``Conv2D`` and ``ConvTranspose2D``) is
/// directly followed by a ``ReLU``, the two run as one step: the child's
/// ``RectifierFusing/rectified(_:context:)`` applies `max(0, ·)` to its output while that output
/// is in cache, instead of in a pass over the whole batch of its own, and in training the
/// rectifier's gradient is read from that output. This happens in training and in inference
/// alike, and only then: a child followed by anything else (``LeakyReLU``, a ``Dropout``, a
/// nested `Sequential` that starts with a ``ReLU``) runs alone, and so does a ``ReLU`` that is
/// not preceded by a fusing child. The outputs and the gradients are identical, value for
/// value, to those of the two layers run one after the other; the parameter names do not
/// change (the ``ReLU`` keeps its position and has no parameters).
///
/// A custom layer opts in by conforming to ``RectifierFusing``; it is not fused otherwise. To
/// keep a fusing layer and its rectifier apart, put either in a `Sequential` of its own: only
/// direct neighbours are fused.
///
/// ## Chaining two convolutions in inference
///
/// Without a graph to record (``ForwardContext/recordsGradients`` false, as in
/// ``ForwardContext/inference(seed:)``), the children `Conv2D, ReLU, Conv2D` (and a ``ReLU``
/// right after them) run as one chain when the first convolution is one the engine runs by
/// im2col and the second a 4x4 convolution of stride 2 that it runs in the polyphase Winograd
/// form: the MNIST encoder's first two layers. The first convolution's output is then made a
/// group of images at a time, just before the second reads it, and is never whole in memory (at
/// batch 1,000 it would be 32 MB). The outputs are the same as layer by layer.
public final class Sequential: Layer {
    /// The layers with their names, in order.
    public let children: [(name: String, layer: any Layer)]

    /// Layers named by their position.
    public init(_ layers: [any Layer]) {
        children = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    /// Layers with explicit names.
    public init(named layers: [(name: String, layer: any Layer)]) {
        precondition(Set(layers.map(\.name)).count == layers.count, "Sequential: layer names must be unique.")
        children = layers
    }

    /// Applies each layer to the output of the previous one.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        var x = input
        var index = 0
        while index < children.count {
            let layer = children[index].layer
            if !context.recordsGradients, let (chained, length) = chain(at: index, input: x) {
                x = chained
                index += length
            } else if index + 1 < children.count, children[index + 1].layer is ReLU, let fusing = layer as? any RectifierFusing {
                x = fusing.rectified(x, context: context)
                index += 2
            } else {
                x = layer(x, context: context)
                index += 1
            }
        }
        return x
    }

    /// Inference through `Conv2D, ReLU, Conv2D` (and a `ReLU` after, if there is one) from child
    /// `index` as one chain (``chainedConv2d(_:first:second:rectifies:)``): the output and how
    /// many children it covers, or `nil` when the children are not such a chain or the chain
    /// does not run in one piece.
    private func chain(at index: Int, input: Variable) -> (Variable, Int)? {
        guard index + 2 < children.count, let first = children[index].layer as? Conv2D,
              children[index + 1].layer is ReLU, let second = children[index + 2].layer as? Conv2D else { return nil }
        let rectifies = index + 3 < children.count && children[index + 3].layer is ReLU
        return chainedConv2d(input, first: first, second: second, rectifies: rectifies).map { ($0, rectifies ? 4 : 3) }
    }
}

/// A residual connection: `body(x) + shortcut(x)`, with the identity as the default shortcut
/// (He et al., 2016). The WideResNet blocks of the paper use a 1x1 convolution shortcut where
/// the shape changes.
public final class Residual: Layer {
    /// The main branch.
    public let body: any Layer
    /// The shortcut branch, or `nil` for the identity.
    public let shortcut: (any Layer)?

    /// Creates a residual connection.
    ///
    /// - Parameters:
    ///   - body: The main branch.
    ///   - shortcut: The shortcut branch, or `nil` for the identity.
    public init(body: any Layer, shortcut: (any Layer)? = nil) {
        self.body = body
        self.shortcut = shortcut
    }

    /// `body` and, if present, `shortcut`.
    public var children: [(name: String, layer: any Layer)] {
        [("body", body)] + (shortcut.map { [("shortcut", $0)] } ?? [])
    }

    /// `body(x) + shortcut(x)`.
    public func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        body(input, context: context) + (shortcut?(input, context: context) ?? input)
    }
}
