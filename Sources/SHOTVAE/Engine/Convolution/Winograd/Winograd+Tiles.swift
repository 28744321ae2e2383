import CSHOTVAEKernels

extension Winograd {
    /// The 4x4 output tiles of a `height x width` map and the transforms between images and the
    /// Winograd domain.
    ///
    /// Tile `(ty, tx)` covers rows `4ty … 4ty + 3` and columns `4tx … 4tx + 3` of the output and
    /// reads the 6x6 input patch at rows `4ty - 1 … 4ty + 4` and columns `4tx - 1 … 4tx + 4`
    /// (zeros outside the image). When the map is not a multiple of 4 the last row and column of
    /// tiles reach past it: their extra outputs are computed on zeros and dropped. Tile
    /// `firstTile + ty · tilesWide + tx` of a group.
    ///
    /// A group's transformed data is `[36, tiles, paddedChannels]`: position `ξ = 6a + b`, tile,
    /// channel. Every transform first copies the image channels-last into `scratch` (or writes
    /// it there), then works eight channels at a time (``ChannelsLast``): along each patch row
    /// into the 36 vectors after the image in `scratch`, then down the rows. The output side's
    /// transforms are ``OutputTiles``'s, with this form's `A`.
    struct Tiles {
        let height: Int
        let width: Int
        var tilesHigh: Int { (height + 3) / 4 }
        var tilesWide: Int { (width + 3) / 4 }
        var tilesPerImage: Int { tilesHigh * tilesWide }
        var pixels: Int { height * width }

        typealias Channels = ChannelsLast.Channels

        /// Pixels per row of the input's channels-last copy: the tiles' width and a one-pixel
        /// border on each side.
        var inputRowLength: Int { 4 * tilesWide + 2 }
        /// The output side: its tiles and their transforms, shared with ``PolyphaseWinograd``.
        var output: OutputTiles<Self> { OutputTiles(height: height, width: width) }

        /// Floats of the scratch of ``transformInput(_:channels:into:firstTile:layout:scratch:)``.
        func inputScratchSize(channels: Int) -> Int {
            (4 * tilesHigh + 2) * inputRowLength * ChannelsLast.paddedChannels(channels) + 36 * Channels.scalarCount
        }

        /// `V = Bᵀ d B` for the 6x6 patch `d` of every tile of one image `[channels, height,
        /// width]`, into the tiles' rows of `v`, with
        ///
        ///     Bᵀ = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
        ///           [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]].
        ///
        /// With an `activation`, the patches are those of the image's activation (a batch norm
        /// and its rectifier), applied while the image is copied.
        func transformInput(
            _ image: UnsafePointer<Float>, channels: Int, into v: UnsafeMutablePointer<Float>,
            firstTile: Int, layout: ChannelsLast.Layout, scratch: UnsafeMutablePointer<Float>,
            activation: ChannelsLast.Activation? = nil
        ) {
            let cp = ChannelsLast.paddedChannels(channels)
            let pw = inputRowLength
            let imageFloats = (4 * tilesHigh + 2) * pw * cp
            ChannelsLast.copyIn(image, padded: scratch, channels: channels, height: height, width: width,
                                rows: 4 * tilesHigh + 2, rowLength: pw, border: 1, activation: activation)
            if InstructionSet.current >= .avx2 {
                // Sixteen or eight channels at a time, in C (`winograd.c`).
                shotvae_winograd_input(InstructionSet.current.isa, scratch, tilesHigh, tilesWide, pw, cp,
                                       v + firstTile * layout.rowStride, layout.rowStride, layout.positionStride)
                return
            }
            let rows = UnsafeMutableRawPointer(scratch + imageFloats)
            @inline(__always) func row(_ t: Int, _ b: Int) -> Int { 4 * (t * 6 + b) * Channels.scalarCount }
            for ty in 0..<tilesHigh {
                for tx in 0..<tilesWide {
                    let origin = UnsafeRawPointer(scratch + (4 * ty * pw + 4 * tx) * cp)
                    let destination = UnsafeMutableRawPointer(v + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                    for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                        // Bᵀ along each patch row.
                        for t in 0..<6 {
                            @inline(__always) func p(_ s: Int) -> Channels {
                                origin.loadUnaligned(fromByteOffset: 4 * ((t * pw + s) * cp + c0), as: Channels.self)
                            }
                            ChannelsLast.store(Self.inputTransform(p(0), p(1), p(2), p(3), p(4), p(5)),
                                               at: rows + row(t, 0), stride: ChannelsLast.vectorBytes)
                        }
                        // Bᵀ down the rows, a column at a time.
                        for b in 0..<6 {
                            @inline(__always) func q(_ t: Int) -> Channels {
                                rows.load(fromByteOffset: row(t, b), as: Channels.self)
                            }
                            ChannelsLast.store(Self.inputTransform(q(0), q(1), q(2), q(3), q(4), q(5)),
                                               at: destination + 4 * (b * layout.positionStride + c0),
                                               stride: 4 * 6 * layout.positionStride)
                        }
                    }
                }
            }
        }

        // MARK: - Along one axis

        /// `Bᵀ d` for six values.
        @inline(__always)
        static func inputTransform(
            _ d0: Channels, _ d1: Channels, _ d2: Channels, _ d3: Channels, _ d4: Channels, _ d5: Channels
        ) -> [6 of Channels] {
            let (d42, d31) = (d4 - d2, d3 - d1)
            return [4 * (d0 - d2) - (d2 - d4), (d3 + d4) - 4 * (d1 + d2), (d4 - d3) + 4 * (d1 - d2),
                    d42 + 2 * d31, d42 - 2 * d31, 4 * (d1 - d3) - (d3 - d5)]
        }

        /// `Aᵀ m` for six values.
        @inline(__always)
        static func outputTransform(
            _ m0: Channels, _ m1: Channels, _ m2: Channels, _ m3: Channels, _ m4: Channels, _ m5: Channels
        ) -> [4 of Channels] {
            let (s12, d12, s34, d34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4)
            return [m0 + s12 + s34, d12 + 2 * d34, s12 + 4 * s34, d12 + 8 * d34 + m5]
        }

        /// `A y` for four values.
        @inline(__always)
        static func gradientTransform(_ y0: Channels, _ y1: Channels, _ y2: Channels, _ y3: Channels) -> [6 of Channels] {
            let (s02, s13) = (y0 + y2, y1 + y3)
            let (t02, t13) = (y0 + 4 * y2, 2 * y1 + 8 * y3)
            return [y0, s02 + s13, s02 - s13, t02 + t13, t02 - t13, y3]
        }
    }
}

extension Winograd.Tiles: OutputTileTransform {
    static var points: Int { 6 }

    static var kernels: OutputTileKernels? {
        OutputTileKernels(output: shotvae_winograd_output, gradient: shotvae_winograd_gradient)
    }

    @inline(__always)
    static func outputTransform(_ m: UnsafeRawPointer, stride: Int) -> [4 of Channels] {
        @inline(__always) func at(_ k: Int) -> Channels { m.loadUnaligned(fromByteOffset: k * stride, as: Channels.self) }
        return outputTransform(at(0), at(1), at(2), at(3), at(4), at(5))
    }

    @inline(__always)
    static func gradientTransform(
        _ y: UnsafeRawPointer, stride: Int, into destination: UnsafeMutableRawPointer, destinationStride: Int
    ) {
        @inline(__always) func at(_ k: Int) -> Channels { y.loadUnaligned(fromByteOffset: k * stride, as: Channels.self) }
        ChannelsLast.store(gradientTransform(at(0), at(1), at(2), at(3)), at: destination, stride: destinationStride)
    }
}
