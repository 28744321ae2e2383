extension Convolution {
    /// 3x3 convolutions of stride 2 and padding 1 (a WideResNet's downsampling) as the 4x4 ones
    /// of ``PolyphaseWinograd``: with padding 1, the 4x4 kernel whose last row and column are
    /// zero reads the same pixels through the same taps, `y[i, j] = Σ w[a, b] x[2i - 1 + a, 2j - 1
    /// + b]`, and gives the same output size on maps of even sides. F(4x4, 2x2) on the four
    /// phases does 100 multiplications per 4x4 tile of output and pair of channels where im2col
    /// does 144, and its transforms replace the strided patches' copies.
    enum StrideTwo {
        /// The 4x4 geometry that runs this convolution, if it is a 3x3 one of stride 2 and padding 1
        /// that ``PolyphaseWinograd`` takes in that form.
        static func fourByFour(_ g: ConvolutionGeometry, outputChannels: Int, batch: Int) -> ConvolutionGeometry? {
            guard g.kernelHeight == 3, g.kernelWidth == 3, g.stride == 2, g.padding == 1 else { return nil }
            var g4 = g
            (g4.kernelHeight, g4.kernelWidth) = (4, 4)
            return PolyphaseWinograd.applies(g4, outputChannels: outputChannels, batch: batch) ? g4 : nil
        }

        /// The kernels `[O, C, 3, 3]` as `[O, C, 4, 4]`, a last row and column of zeros added.
        static func padded(_ weight: Tensor) -> Tensor {
            var result = Tensor(shape: [weight.shape[0], weight.shape[1], 4, 4])
            copyTaps(from: weight.pointer, side: 3, to: result.mutablePointer, side: 4,
                     kernels: weight.shape[0] * weight.shape[1])
            return result
        }

        /// The gradient of ``padded(_:)``: the `[O, C, 4, 4]` kernels' first three rows and columns.
        static func cropped(_ gradient: Tensor) -> Tensor {
            var result = Tensor(uninitializedShape: [gradient.shape[0], gradient.shape[1], 3, 3])
            copyTaps(from: gradient.pointer, side: 4, to: result.mutablePointer, side: 3,
                     kernels: gradient.shape[0] * gradient.shape[1])
            return result
        }

        /// Copies the 3x3 taps shared by `kernels` square kernels of `side` taps to kernels of
        /// another side.
        private static func copyTaps(
            from source: UnsafePointer<Float>, side sourceSide: Int, to destination: UnsafeMutablePointer<Float>,
            side destinationSide: Int, kernels: Int
        ) {
            for kernel in 0..<kernels {
                for row in 0..<3 {
                    (destination + (kernel * destinationSide + row) * destinationSide)
                        .update(from: source + (kernel * sourceSide + row) * sourceSide, count: 3)
                }
            }
        }
    }
}
