import CSHOTVAEKernels

extension PolyphaseWinograd.PhaseTiles {
    /// The channel count rounded up to whole vectors; the padding channels hold zeros.
    static func paddedChannels(_ channels: Int) -> Int { ChannelsLast.paddedChannels(channels) }

    /// Floats of the scratch of the large side's transforms: a channels-last copy of one image
    /// inside a zero border, `[largeRows, largeRowLength, paddedChannels]`, then the 100 vectors
    /// of one tile's row transforms.
    func largeScratchSize(channels: Int) -> Int {
        largeRows * largeRowLength * Self.paddedChannels(channels) + 100 * Channels.scalarCount
    }

    /// The byte offset of vector `(t, b)` of a tile's row transforms, rows of `rowLength` vectors.
    @inline(__always)
    private static func rowOffset(_ t: Int, _ b: Int, rowLength: Int) -> Int {
        4 * (t * rowLength + b) * Channels.scalarCount
    }

    // MARK: - The large side

    /// `V = T d Tᵀ` for the 10x10 patch `d` of every tile of one image `[channels, height,
    /// width]` (zeros outside the image), into the tiles' rows of `v`: row `firstTile + ty ·
    /// tilesWide + tx` of position `ξ` holds `phase · paddedChannels + channel`.
    ///
    /// The image is first copied channels-last inside a zero border (`scratch`), through
    /// `activation` if given (a batch norm and its rectifier); then for each tile and each eight
    /// channels, `T` along each patch row into the 100 vectors after the image, and `T` down the
    /// rows, a column at a time.
    func transformInput(
        _ image: UnsafePointer<Float>, channels: Int, into v: UnsafeMutablePointer<Float>,
        firstTile: Int, layout: ChannelsLast.Layout, scratch: UnsafeMutablePointer<Float>,
        activation: ChannelsLast.Activation? = nil
    ) {
        let cp = Self.paddedChannels(channels)
        let pw = largeRowLength
        let imageFloats = largeRows * pw * cp
        ChannelsLast.copyIn(image, padded: scratch, channels: channels, height: height, width: width,
                            rows: largeRows, rowLength: pw, border: 1, activation: activation)
        if InstructionSet.current >= .avx2 {
            // Sixteen or eight channels at a time, in C (`winograd.c`).
            shotvae_polyphase_input(InstructionSet.current.isa, scratch, tilesHigh, tilesWide, pw, cp,
                                    v + firstTile * layout.rowStride, layout.rowStride, layout.positionStride)
            return
        }
        let rows = UnsafeMutableRawPointer(scratch + imageFloats)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let origin = UnsafeRawPointer(scratch + (8 * ty * pw + 8 * tx) * cp)
                let destination = UnsafeMutableRawPointer(v + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    // T along each patch row.
                    for t in 0..<10 {
                        @inline(__always) func p(_ s: Int) -> Channels {
                            origin.loadUnaligned(fromByteOffset: 4 * ((t * pw + s) * cp + c0), as: Channels.self)
                        }
                        let row = rows + Self.rowOffset(t, 0, rowLength: 10)
                        ChannelsLast.store(Self.inputTransform(p(0), p(2), p(4), p(6), p(8)), at: row, stride: ChannelsLast.vectorBytes)
                        ChannelsLast.store(Self.inputTransform(p(1), p(3), p(5), p(7), p(9)), at: row + 5 * ChannelsLast.vectorBytes, stride: ChannelsLast.vectorBytes)
                    }
                    // T down the rows, a column at a time.
                    for b in 0..<10 {
                        @inline(__always) func q(_ t: Int) -> Channels {
                            rows.load(fromByteOffset: Self.rowOffset(t, b, rowLength: 10), as: Channels.self)
                        }
                        // Row a of the column: position 5 (a % 5) + b % 5, phase 2 (a / 5) + b / 5.
                        let column = destination + 4 * ((b % 5) * layout.positionStride + (b / 5) * cp + c0)
                        let positions = 4 * 5 * layout.positionStride
                        ChannelsLast.store(Self.inputTransform(q(0), q(2), q(4), q(6), q(8)), at: column, stride: positions)
                        ChannelsLast.store(Self.inputTransform(q(1), q(3), q(5), q(7), q(9)), at: column + 4 * 2 * cp, stride: positions)
                    }
                }
            }
        }
    }

    /// The adjoint of ``transformInput(_:channels:into:firstTile:layout:scratch:)``: every tile's
    /// 100 values of every channel taken back onto its 10x10 patch (neighbouring patches overlap
    /// by two rows or columns, and their values add), giving the image `[channels, height,
    /// width]`. First `Tᵀ` down the rows, a column at a time, into the 100 vectors after the
    /// image in `scratch`, then `Tᵀ` along each patch row, added onto the channels-last image,
    /// which is copied back to channels first at the end.
    func transformInputAdjoint(
        _ v: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: ChannelsLast.Layout,
        into image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = Self.paddedChannels(channels)
        let pw = largeRowLength
        let imageFloats = largeRows * pw * cp
        Kernels.fill(scratch, with: 0, count: imageFloats)
        if InstructionSet.current >= .avx2 {
            // Sixteen or eight channels at a time, in C (`winograd.c`).
            shotvae_polyphase_input_adjoint(InstructionSet.current.isa, v + firstTile * layout.rowStride, tilesHigh,
                                            tilesWide, cp, layout.rowStride, layout.positionStride, scratch, pw)
        } else {
            transformInputAdjoint(v, channels: channels, firstTile: firstTile, layout: layout, scratch: scratch)
        }
        ChannelsLast.copy(image: image, padded: scratch, toChannelsLast: false,
                          channels: channels, height: height, width: width, rowLength: pw, border: 1)
    }

    /// ``transformInputAdjoint(_:channels:firstTile:layout:into:scratch:)``'s tiles in Swift,
    /// eight channels at a time, onto the zeroed channels-last image in `scratch`.
    private func transformInputAdjoint(
        _ v: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: ChannelsLast.Layout,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = Self.paddedChannels(channels)
        let pw = largeRowLength
        let imageFloats = largeRows * pw * cp
        let rows = UnsafeMutableRawPointer(scratch + imageFloats)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let origin = UnsafeMutableRawPointer(scratch + (8 * ty * pw + 8 * tx) * cp)
                let source = UnsafeRawPointer(v + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    // Tᵀ down the rows: column b of the row transforms, `rows[t][b]`.
                    for b in 0..<10 {
                        // Row a of the column: position 5 (a % 5) + b % 5, phase 2 (a / 5) + b / 5.
                        let column = source + 4 * ((b % 5) * layout.positionStride + (b / 5) * cp + c0)
                        @inline(__always) func take(_ a: Int) -> Channels {
                            column.loadUnaligned(fromByteOffset: 4 * (5 * (a % 5) * layout.positionStride + 2 * (a / 5) * cp),
                                                 as: Channels.self)
                        }
                        // The odd phase's values go to even patch rows, the even phase's to odd ones.
                        let row = rows + Self.rowOffset(0, b, rowLength: 10)
                        ChannelsLast.store(Self.inputAdjoint(take(0), take(1), take(2), take(3), take(4)), at: row, stride: 20 * ChannelsLast.vectorBytes)
                        ChannelsLast.store(Self.inputAdjoint(take(5), take(6), take(7), take(8), take(9)), at: row + 10 * ChannelsLast.vectorBytes,
                                   stride: 20 * ChannelsLast.vectorBytes)
                    }
                    // Tᵀ along each patch row, added onto the image.
                    for t in 0..<10 {
                        @inline(__always) func q(_ b: Int) -> Channels {
                            rows.load(fromByteOffset: Self.rowOffset(t, b, rowLength: 10), as: Channels.self)
                        }
                        let odd = Self.inputAdjoint(q(0), q(1), q(2), q(3), q(4))
                        let even = Self.inputAdjoint(q(5), q(6), q(7), q(8), q(9))
                        @inline(__always) func add(_ s: Int, _ value: Channels) {
                            let offset = 4 * ((t * pw + s) * cp + c0)
                            origin.storeBytes(of: origin.loadUnaligned(fromByteOffset: offset, as: Channels.self) + value,
                                              toByteOffset: offset, as: Channels.self)
                        }
                        add(0, odd[0]); add(1, even[0]); add(2, odd[1]); add(3, even[1]); add(4, odd[2])
                        add(5, even[2]); add(6, odd[3]); add(7, even[3]); add(8, odd[4]); add(9, even[4])
                    }
                }
            }
        }
    }
}

extension PolyphaseWinograd.PhaseTiles: OutputTileTransform {
    static var points: Int { 5 }

    static var kernels: OutputTileKernels? {
        OutputTileKernels(output: shotvae_polyphase_output, gradient: shotvae_polyphase_gradient)
    }

    @inline(__always)
    static func outputTransform(_ m: UnsafeRawPointer, stride: Int) -> [4 of Channels] {
        @inline(__always) func at(_ k: Int) -> Channels { m.loadUnaligned(fromByteOffset: k * stride, as: Channels.self) }
        return outputTransform(at(0), at(1), at(2), at(3), at(4))
    }

    @inline(__always)
    static func gradientTransform(
        _ y: UnsafeRawPointer, stride: Int, into destination: UnsafeMutableRawPointer, destinationStride: Int
    ) {
        @inline(__always) func at(_ k: Int) -> Channels { y.loadUnaligned(fromByteOffset: k * stride, as: Channels.self) }
        ChannelsLast.store(gradientTransform(at(0), at(1), at(2), at(3)), at: destination, stride: destinationStride)
    }
}
