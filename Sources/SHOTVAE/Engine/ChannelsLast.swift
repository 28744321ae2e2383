/// The channels-last scratch images and the transformed-data layout shared by the two Winograd
/// forms (``Winograd`` and ``PolyphaseWinograd``).
///
/// Their transforms work on a channels-last copy of each image, `[rows, rowLength,
/// paddedChannels]`, so that every value of a tile is one contiguous load or store of eight
/// channels at a time, whatever the size of the map; their transformed data is a matrix per
/// position of the transform, a row per tile and a column per (padded) channel.
enum ChannelsLast {
    /// Vectors of eight channels.
    typealias Channels = SIMD8<Float>

    /// The channel count rounded up to whole vectors; the padding channels hold zeros.
    static func paddedChannels(_ channels: Int) -> Int { (channels + 7) / 8 * 8 }

    /// Where a group's transformed data lies: position `ξ`'s `[rows, rowLength]` matrix starts
    /// at `ξ · positionStride`, its rows `rowStride` apart. Both are padded off multiples of
    /// large powers of two, so that the rows one tile's transform writes do not all fall in the
    /// same cache sets.
    struct Layout {
        let positions: Int
        let rowStride: Int
        let positionStride: Int

        init(positions: Int, rows: Int, rowLength: Int) {
            self.positions = positions
            rowStride = (rowLength + 15) / 16 * 16 + 8
            positionStride = rows * rowStride + 16
        }

        /// Floats of all the positions.
        var size: Int { positions * positionStride }
    }

    /// Copies between `image` `[channels, height, width]` and `padded` `[·, rowLength,
    /// paddedChannels]`, whose pixel `(y, x)` is at row `y + border` and column `x + border`:
    /// into `padded` when `toChannelsLast`, back into `image` otherwise. Four channels by four
    /// pixels at a time: a 4x4 block is four rows of one side, transposed into four rows of the
    /// other.
    static func copy(
        image: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>, toChannelsLast: Bool,
        channels: Int, height: Int, width: Int, rowLength: Int, border: Int
    ) {
        let cp = paddedChannels(channels)
        let pixels = height * width
        let wholeBlocks = channels / 4 * 4
        let wholeWidth = width / 4 * 4
        // Channels first, a block's rows are its channels (`pixels` apart); channels last, its pixels (`cp` apart).
        let (fromStride, toStride) = toChannelsLast ? (pixels, cp) : (cp, pixels)
        @inline(__always) func move(_ first: UnsafeMutablePointer<Float>, _ last: UnsafeMutablePointer<Float>) {
            if toChannelsLast { last.pointee = first.pointee } else { first.pointee = last.pointee }
        }
        for y in 0..<height {
            let first = image + y * width
            let last = padded + ((y + border) * rowLength + border) * cp
            for c in Swift.stride(from: 0, to: wholeBlocks, by: 4) {
                for x in Swift.stride(from: 0, to: wholeWidth, by: 4) {
                    let (source, destination) = toChannelsLast
                        ? (first + c * pixels + x, last + x * cp + c) : (last + x * cp + c, first + c * pixels + x)
                    @inline(__always) func load(_ k: Int) -> SIMD4<Float> {
                        UnsafeRawPointer(source + k * fromStride).loadUnaligned(as: SIMD4<Float>.self)
                    }
                    let (a, b, c2, d) = transpose(load(0), load(1), load(2), load(3))
                    @inline(__always) func store(_ k: Int, _ value: SIMD4<Float>) {
                        UnsafeMutableRawPointer(destination + k * toStride).storeBytes(of: value, as: SIMD4<Float>.self)
                    }
                    store(0, a); store(1, b); store(2, c2); store(3, d)
                }
                for x in wholeWidth..<width {
                    for k in 0..<4 { move(first + (c + k) * pixels + x, last + x * cp + c + k) }
                }
            }
            for c in wholeBlocks..<channels {
                for x in 0..<width { move(first + c * pixels + x, last + x * cp + c) }
            }
        }
    }

    /// The transpose of the 4x4 matrix with rows `a`, `b`, `c`, `d`.
    @inline(__always)
    static func transpose(
        _ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>
    ) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
        (SIMD4(a[0], b[0], c[0], d[0]), SIMD4(a[1], b[1], c[1], d[1]),
         SIMD4(a[2], b[2], c[2], d[2]), SIMD4(a[3], b[3], c[3], d[3]))
    }
}
