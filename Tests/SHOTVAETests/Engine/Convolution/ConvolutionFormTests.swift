import Testing
@testable import SHOTVAE

/// The form a convolution runs in, by its geometry.
struct ConvolutionFormTests {
    static func geometry(channels: Int = 32, size: Int = 16, kernel: Int, stride: Int, padding: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: channels, height: size, width: size, kernelHeight: kernel, kernelWidth: kernel,
                            stride: stride, padding: padding)
    }

    @Test func eachGeometryRunsInItsForm() {
        let batch = 64
        #expect(Convolution.form(Self.geometry(size: 4, kernel: 4, stride: 1, padding: 0), outputChannels: 64,
                                 batch: batch) == .wholeImage)
        #expect(Convolution.form(Self.geometry(size: 2, kernel: 4, stride: 1, padding: 1), outputChannels: 64,
                                 batch: batch) == .wholeImage)
        #expect(Convolution.form(Self.geometry(kernel: 4, stride: 2, padding: 1), outputChannels: 64, batch: batch)
                    == .polyphase)
        let threeByThree = Self.geometry(kernel: 3, stride: 2, padding: 1)
        var fourByFour = threeByThree
        (fourByFour.kernelHeight, fourByFour.kernelWidth) = (4, 4)
        #expect(Convolution.form(threeByThree, outputChannels: 64, batch: batch) == .strideTwo(fourByFour))
        #expect(Convolution.form(Self.geometry(kernel: 3, stride: 1, padding: 1), outputChannels: 64, batch: batch)
                    == .winograd)
        #expect(Convolution.form(Self.geometry(kernel: 5, stride: 1, padding: 2), outputChannels: 64, batch: batch)
                    == .im2col)
        #expect(Convolution.form(Self.geometry(kernel: 1, stride: 1, padding: 0), outputChannels: 64, batch: batch)
                    == .im2col)
    }

    /// Too few channels for the transformed forms' products: im2col.
    @Test func fewChannelsRunByIm2col() {
        for (kernel, stride) in [(3, 1), (4, 2), (3, 2)] {
            let g = Self.geometry(channels: 1, size: 28, kernel: kernel, stride: stride, padding: 1)
            #expect(Convolution.form(g, outputChannels: 32, batch: 64) == .im2col, "\(kernel)x\(kernel) stride \(stride)")
        }
    }
}
