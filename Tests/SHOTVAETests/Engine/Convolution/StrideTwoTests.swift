import Testing

@testable import SHOTVAE

/// 3x3 convolutions of stride 2 and padding 1, run as 4x4 ones by ``PolyphaseWinograd``, against
/// the definition summed in double precision: the output and both gradients, on maps whose
/// small side is and is not a multiple of the tiles, and with channels that pad.
struct StrideTwoTests {
    @Test(arguments: [(8, 16, 32, 16, 16), (8, 17, 16, 12, 20), (40, 32, 16, 8, 8)])
    func matchesTheDefinition(shape: (batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int)) {
        let (batch, channels, outputs, height, width) = shape
        let g = ConvolutionGeometry(channels: channels, height: height, width: width, kernelHeight: 3, kernelWidth: 3,
                                    stride: 2, padding: 1)
        #expect(Convolution.StrideTwo.fourByFour(g, outputChannels: outputs, batch: batch) != nil)
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        #expect(oh == height / 2 && ow == width / 2)
        let x = randomTensor([batch, channels, height, width], seed: 71)
        let w = randomTensor([outputs, channels, 3, 3], seed: 72, scale: 0.2)
        let dy = randomTensor([batch, outputs, oh, ow], seed: 73)
        let (xs, ws, dys) = (x.scalars, w.scalars, dy.scalars)
        var (y, dx, dw) = ([Double](repeating: 0, count: dy.count), [Double](repeating: 0, count: x.count),
                           [Double](repeating: 0, count: w.count))
        for n in 0..<batch {
            for o in 0..<outputs {
                for c in 0..<channels {
                    for i in 0..<oh {
                        for j in 0..<ow {
                            let out = ((n * outputs + o) * oh + i) * ow + j
                            for a in 0..<3 {
                                for b in 0..<3 {
                                    let (iy, ix) = (2 * i - 1 + a, 2 * j - 1 + b)
                                    guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                    let input = ((n * channels + c) * height + iy) * width + ix
                                    let kernel = ((o * channels + c) * 3 + a) * 3 + b
                                    y[out] += Double(ws[kernel]) * Double(xs[input])
                                    dx[input] += Double(ws[kernel]) * Double(dys[out])
                                    dw[kernel] += Double(xs[input]) * Double(dys[out])
                                }
                            }
                        }
                    }
                }
            }
        }
        let (output, saved) = Convolution.forward(input: x, weight: w, bias: nil, geometry: g)
        let (inputGradient, weightGradient) = Convolution.backward(
            outputGradient: dy, input: x, weight: w, geometry: g, saved: saved, computesInput: true, computesWeight: true)
        #expect(saved.transformedKernels != nil)
        expectClose(output, Tensor(shape: dy.shape, scalars: y.map(Float.init)), relative: 1e-4, absolute: 1e-4)
        expectClose(inputGradient!, Tensor(shape: x.shape, scalars: dx.map(Float.init)), relative: 1e-4, absolute: 1e-4)
        expectClose(weightGradient!, Tensor(shape: w.shape, scalars: dw.map(Float.init)), relative: 1e-4, absolute: 1e-3)
    }
}
