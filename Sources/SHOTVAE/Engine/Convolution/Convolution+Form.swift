extension Convolution {
    /// The form a convolution runs in, chosen by its geometry, its output channels and the
    /// batch; the forms' conditions never hold together.
    enum Form: Equatable {
        /// Each output has one pixel and the kernel covers the padded image (``WholeImage``).
        case wholeImage
        /// 4x4 kernels of stride 2 and padding 1 (``PolyphaseWinograd``).
        case polyphase
        /// 3x3 kernels of stride 2 and padding 1, run as 4x4 ones padded with zeros in the
        /// polyphase form, of this geometry (``StrideTwo``).
        case strideTwo(ConvolutionGeometry)
        /// 3x3 kernels of stride 1 and padding 1 (``Winograd``).
        case winograd
        /// Patch matrices and a matrix product: every other geometry.
        case im2col
    }

    /// The form ``forward(input:weight:bias:geometry:keepColumns:rectifies:)`` and
    /// ``backward(outputGradient:input:weight:geometry:saved:computesInput:computesWeight:)``
    /// run this convolution in.
    static func form(_ g: ConvolutionGeometry, outputChannels: Int, batch: Int) -> Form {
        if WholeImage.applies(g) { return .wholeImage }
        if PolyphaseWinograd.applies(g, outputChannels: outputChannels, batch: batch) { return .polyphase }
        if let g4 = StrideTwo.fourByFour(g, outputChannels: outputChannels, batch: batch) { return .strideTwo(g4) }
        if Winograd.applies(g, outputChannels: outputChannels) { return .winograd }
        return .im2col
    }
}
