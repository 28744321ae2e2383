/// The sizes of one 2-D convolution over NCHW images: a `kernelHeight x kernelWidth` window
/// moved with `stride` over the input zero-padded by `padding` on every side.
struct ConvolutionGeometry: Equatable {
    var channels: Int
    var height: Int
    var width: Int
    var kernelHeight: Int
    var kernelWidth: Int
    var stride: Int
    var padding: Int

    /// The output height, `(height + 2 padding - kernelHeight) / stride + 1`.
    var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    /// The output width, `(width + 2 padding - kernelWidth) / stride + 1`.
    var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Pixels of one output channel.
    var outputPixels: Int { outputHeight * outputWidth }
    /// Pixels of one input channel.
    var inputPixels: Int { height * width }
    /// Rows of the im2col matrix: one per (channel, kernel row, kernel column).
    var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Whether the convolution reads each input pixel exactly once in place (1x1, stride 1,
    /// no padding), so that the image itself is its im2col matrix.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0
    }
    /// Whether the output has the input's size with every output pixel over the input pixel
    /// of the same index (stride 1, `2 padding + 1` the kernel's height and width), so that a
    /// kernel tap reads the whole plane shifted by one offset: see ``Kernels/PlaneShift``.
    var preservesSize: Bool {
        stride == 1 && 2 * padding + 1 == kernelHeight && 2 * padding + 1 == kernelWidth
    }
}
