/// The parts of a training step that ``PhaseProfile`` times apart.
///
/// Phases nest, and each moment of a core's time counts for the innermost phase only: a
/// convolution's transforms count as ``transforms``, its products as ``products``, and
/// the rest of it (its bias, its threads' hand-offs) as the convolution.
@_spi(Benchmarks)
public enum Phase: Int, CaseIterable, Sendable {
    /// Time in no other phase: building the graph, the objectives' bookkeeping, sampling.
    case other
    /// Convolutions' forward passes, besides their transforms and products.
    case convolutionForward
    /// Convolutions' gradients, besides their transforms and products.
    case convolutionBackward
    /// Transposed convolutions' forward passes, besides their transforms and products.
    case transposedConvolutionForward
    /// Transposed convolutions' gradients, besides their transforms and products.
    case transposedConvolutionBackward
    /// Dense layers' forward passes, besides their products.
    case denseForward
    /// Dense layers' gradients, besides their products.
    case denseBackward
    /// Batch normalization's statistics and normalization, forward (alone or fused into a
    /// convolution's input).
    case batchNormForward
    /// Batch normalization's gradient.
    case batchNormBackward
    /// The Winograd and polyphase transforms of inputs, outputs and kernels, with their
    /// channels-last copies; im2col and col2im.
    case transforms
    /// The matrix products: the engine's register-blocked kernels, and the packing of the
    /// general products' operands (``Kernels/gemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulates:)``).
    case products
    /// Elementwise passes and reductions: activations, arithmetic, softmax, losses, sums of
    /// gradients. Inside another phase (a layer's bias, the optimizer's update) they count as
    /// that phase.
    case elementwise
    /// The optimizer's update of the parameters.
    case optimizer
    /// Allocating tensors (the buffer pool and the system allocator).
    case allocation
    /// Summing gradients over processes (under `mpirun`).
    case gradientSum

    /// The name the benchmarks print and write as a JSON key.
    public var name: String {
        switch self {
        case .other: "other"
        case .convolutionForward: "convolution_forward"
        case .convolutionBackward: "convolution_backward"
        case .transposedConvolutionForward: "transposed_convolution_forward"
        case .transposedConvolutionBackward: "transposed_convolution_backward"
        case .denseForward: "dense_forward"
        case .denseBackward: "dense_backward"
        case .batchNormForward: "batch_norm_forward"
        case .batchNormBackward: "batch_norm_backward"
        case .transforms: "transforms"
        case .products: "products"
        case .elementwise: "elementwise"
        case .optimizer: "optimizer"
        case .allocation: "allocation"
        case .gradientSum: "gradient_sum"
        }
    }
}
