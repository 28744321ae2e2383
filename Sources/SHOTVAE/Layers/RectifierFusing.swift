/// A layer that can apply the rectifier `max(0, ·)` to its own output in the same pass.
///
/// ``Sequential`` calls ``rectified(_:context:)`` instead of the layer and the ``ReLU`` that
/// follows it, for every conforming child whose next sibling is a ``ReLU`` (in training and in
/// inference); the ``ReLU`` is then skipped. ``Conv2D`` and ``ConvTranspose2D`` conform: their
/// kernels add the bias and rectify each output tile while it is in cache, and their backward
/// pass reads the rectifier's gradient from the rectified output, so the separate pass over
/// the whole batch and the stored pre-activation are saved.
///
/// The contract: `rectified(input, context:)` must return exactly `self(input,
/// context:).relu()` (the same values, and the same gradients for the input and every
/// parameter), drawing from `context.generator` exactly as `self(input, context:)` does, so
/// that fusing never changes a result or a seeded run. A layer with no faster way to do this
/// gains nothing by conforming; a layer that does not conform is never fused.
///
/// ```swift
/// final class Scaled: Layer, RectifierFusing {
///     let convolution: Conv2D
///     init(_ convolution: Conv2D) { self.convolution = convolution }
///     var children: [(name: String, layer: any Layer)] { [("convolution", convolution)] }
///     func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
///         convolution(input * 2, context: context)
///     }
///     func rectified(_ input: Variable, context: ForwardContext) -> Variable {
///         convolution.rectified(input * 2, context: context)
///     }
/// }
/// ```
public protocol RectifierFusing: Layer {
    /// `max(0, self(input))`, with the gradients of the layer and of the rectifier one after
    /// the other: values and gradients identical to running the layer and then a ``ReLU``.
    ///
    /// - Parameters:
    ///   - input: The input batch.
    ///   - context: Training or inference, whether to record gradients, and the random
    ///     generator, used as ``Layer/callAsFunction(_:context:)`` uses it.
    /// - Returns: The rectified output.
    func rectified(_ input: Variable, context: ForwardContext) -> Variable
}
