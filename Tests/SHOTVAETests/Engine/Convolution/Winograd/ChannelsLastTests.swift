import Testing

@testable import SHOTVAE

/// The copies between images and their channels-last form against their definition, in the
/// kernels this process runs (`SHOTVAE_KERNELS` chooses them): maps whose width is a multiple of
/// eight (copied in blocks of eight pixels, one or several a row) and maps whose width is not
/// (4x4, 8x4, 7x10, 3x21, and the MNIST VAE's 7x7 and 14x14: a row's last pixels one at a time),
/// channel counts that fill the lanes and that do not, with and without a border and an
/// activation.
struct ChannelsLastTests {
    static let shapes: [(channels: Int, height: Int, width: Int, border: Int)] = [
        (16, 8, 8, 1), (64, 4, 4, 0), (64, 4, 4, 1), (20, 4, 8, 0), (17, 8, 4, 1), (8, 7, 10, 1), (24, 3, 3, 2),
        (32, 3, 16, 1), (40, 2, 24, 0), (48, 3, 21, 1), (19, 2, 32, 1), (32, 7, 7, 1), (16, 14, 14, 2),
    ]

    @Test(arguments: 0..<shapes.count, [false, true])
    func copiesBothWays(index: Int, activates: Bool) {
        let s = Self.shapes[index]
        let cp = ChannelsLast.paddedChannels(s.channels)
        let rowLength = s.width + 2 * s.border + 1
        let rows = s.height + 2 * s.border
        let image = randomTensor([s.channels, s.height, s.width], seed: 81)
        let scale = randomTensor([s.channels], seed: 82, scale: 2)
        let shift = randomTensor([s.channels], seed: 83)
        let slope: Float = 0.1
        let activation = activates
            ? ChannelsLast.Activation(scale: scale.pointer, shift: shift.pointer, negativeSlope: slope) : nil
        let sentinel: Float = -7
        var padded = [Float](repeating: sentinel, count: rows * rowLength * cp)
        withExtendedLifetime((image, scale, shift)) {
            padded.withUnsafeMutableBufferPointer { buffer in
                ChannelsLast.copy(image: UnsafeMutablePointer(mutating: image.pointer), padded: buffer.baseAddress!,
                                  toChannelsLast: true, channels: s.channels, height: s.height, width: s.width,
                                  rowLength: rowLength, border: s.border, activation: activation)
            }
        }
        let values = image.scalars, scales = scale.scalars, shifts = shift.scalars
        var expected = [Float](repeating: sentinel, count: padded.count)
        for c in 0..<s.channels {
            for y in 0..<s.height {
                for x in 0..<s.width {
                    var v = values[(c * s.height + y) * s.width + x]
                    if activates {
                        let z = v * scales[c] + shifts[c]
                        v = z < 0 ? z * slope : z
                    }
                    expected[((y + s.border) * rowLength + x + s.border) * cp + c] = v
                }
            }
        }
        let written = zip(padded, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(written <= 1e-6, "into channels-last: largest difference \(written)")

        // Back: the channels-last values (sentinels outside the image stay unread) into a map.
        var back = Tensor(shape: image.shape, repeating: sentinel)
        padded.withUnsafeMutableBufferPointer { buffer in
            ChannelsLast.copy(image: back.mutablePointer, padded: buffer.baseAddress!, toChannelsLast: false,
                              channels: s.channels, height: s.height, width: s.width, rowLength: rowLength,
                              border: s.border)
        }
        var returned = [Float](repeating: 0, count: image.count)
        for c in 0..<s.channels {
            for y in 0..<s.height {
                for x in 0..<s.width {
                    returned[(c * s.height + y) * s.width + x] = expected[((y + s.border) * rowLength + x + s.border) * cp + c]
                }
            }
        }
        #expect(back.scalars == returned)
    }
}
