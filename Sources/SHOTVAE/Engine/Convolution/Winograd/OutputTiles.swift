import CSHOTVAEKernels

/// The one-axis transforms of a Winograd form's output side, whose tiles are 4x4 outputs: `Aᵀ`
/// from ``points`` values to four, and its adjoint `A` from four values to ``points``.
///
/// ``Winograd/Tiles`` (F(4, 3), six points) and ``PolyphaseWinograd/PhaseTiles`` (F(4, 2), five
/// points) conform; ``OutputTiles`` runs either over a map. The conformances are static and
/// ``OutputTiles`` is generic over them, so each form gets its own specialised loops, with the
/// transforms inlined (no dynamic dispatch in the tile loops).
protocol OutputTileTransform {
    /// The values along one axis of the transformed domain: 6 for F(4, 3), 5 for F(4, 2).
    static var points: Int { get }

    /// `Aᵀ m` of the ``points`` vectors `stride` bytes apart from `m`.
    static func outputTransform(_ m: UnsafeRawPointer, stride: Int) -> [4 of ChannelsLast.Channels]

    /// The form's output-side transforms in C, if it has them; with AVX2 or AVX-512 they replace
    /// the Swift loops over ``outputTransform(_:stride:)`` and ``gradientTransform(_:stride:into:destinationStride:)``.
    static var kernels: OutputTileKernels? { get }

    /// `A y` of the four vectors `stride` bytes apart from `y`, stored as ``points`` vectors
    /// `destinationStride` bytes apart from `destination`.
    static func gradientTransform(
        _ y: UnsafeRawPointer, stride: Int, into destination: UnsafeMutableRawPointer, destinationStride: Int
    )
}

/// The C kernels of a form's output side (`winograd.c`), over every tile of one image: the output
/// transform (with the shift and the rectifier) and the output gradient's transform, with the
/// arguments of `shotvae_winograd_output` and `shotvae_winograd_gradient`.
struct OutputTileKernels {
    let output: @convention(c) (
        shotvae_isa, UnsafePointer<Float>?, Int, Int, Int, Int, Int, UnsafePointer<Float>?, Bool,
        UnsafeMutablePointer<Float>?, Int
    ) -> Void
    let gradient: @convention(c) (
        shotvae_isa, UnsafePointer<Float>?, Int, Int, Int, Int, UnsafeMutablePointer<Float>?, Int, Int
    ) -> Void
}

/// The 4x4 output tiles of a `height x width` map (the output of ``Winograd``, the small side of
/// ``PolyphaseWinograd``) and the two transforms between them and the Winograd domain that both
/// forms share: the output transform `Y = Aᵀ M A` (with the bias and the rectifier) and the
/// output gradient's `D = A ȳ Aᵀ`, one form's `A` given by `Transform`.
///
/// Tile `(ty, tx)` covers rows `4ty … 4ty + 3` and columns `4tx … 4tx + 3`; when the map is not
/// a multiple of 4, the last row and column of tiles reach past it (their extra outputs are
/// computed on zeros and dropped). Tile `firstTile + ty · tilesWide + tx` of a group. The
/// transformed data is `[points², tiles, paddedChannels]`: position `ξ = points · a + b`, tile,
/// channel. Both transforms go through a channels-last copy of the image in `scratch`,
/// `[rows, rowLength, paddedChannels]`, then the bias padded to whole vectors and the `4 ·
/// points` vectors of one tile's row transforms, and work eight channels at a time
/// (``ChannelsLast``): along each row of the tile, then down the rows, a column at a time.
struct OutputTiles<Transform: OutputTileTransform> {
    let height: Int
    let width: Int
    var tilesHigh: Int { (height + 3) / 4 }
    var tilesWide: Int { (width + 3) / 4 }
    /// Rows and pixels per row of the channels-last copy: the tiles' extent.
    var rows: Int { 4 * tilesHigh }
    var rowLength: Int { 4 * tilesWide }

    typealias Channels = ChannelsLast.Channels

    /// Floats of the scratch of both transforms.
    func scratchSize(channels: Int) -> Int {
        (rows * rowLength + 1) * ChannelsLast.paddedChannels(channels) + 4 * Transform.points * Channels.scalarCount
    }

    /// `Y = Aᵀ M A` for every tile of one image, `m` `[points², tiles, paddedChannels]`, plus
    /// `bias[c]` and then the rectifier `max(0, ·)` if asked, while the outputs are in registers;
    /// written channels-last into `scratch`, then copied into `y` `[channels, height, width]`.
    @inline(__always)
    func transformOutput(
        _ m: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: ChannelsLast.Layout,
        into y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, rectifies: Bool,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = ChannelsLast.paddedChannels(channels)
        let ow = rowLength
        let shifts = scratch + rows * ow * cp
        Kernels.fill(shifts, with: 0, count: cp)
        if let bias { shifts.update(from: bias, count: channels) }
        if InstructionSet.current >= .avx2, let kernels = Transform.kernels {
            kernels.output(InstructionSet.current.isa, m + firstTile * layout.rowStride, tilesHigh, tilesWide, cp,
                           layout.rowStride, layout.positionStride, shifts, rectifies, scratch, ow)
        } else {
            transformOutput(m, channels: channels, firstTile: firstTile, layout: layout, shifts: shifts,
                            rectifies: rectifies, scratch: scratch)
        }
        ChannelsLast.copy(image: y, padded: scratch, toChannelsLast: false, channels: channels,
                          height: height, width: width, rowLength: ow, border: 0)
    }

    /// ``transformOutput(_:channels:firstTile:layout:into:bias:rectifies:scratch:)``'s tiles in
    /// Swift, eight channels at a time, with the shifts `shifts` (`paddedChannels` of them).
    @inline(__always)
    private func transformOutput(
        _ m: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: ChannelsLast.Layout,
        shifts: UnsafeMutablePointer<Float>, rectifies: Bool, scratch: UnsafeMutablePointer<Float>
    ) {
        let points = Transform.points
        let cp = ChannelsLast.paddedChannels(channels)
        let ow = rowLength
        let rowTransforms = UnsafeMutableRawPointer(shifts + cp)
        let out = UnsafeMutableRawPointer(scratch)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let source = UnsafeRawPointer(m + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    // Aᵀ along each row of M: row `a` into vectors `4a … 4a + 3`.
                    for a in 0..<points {
                        ChannelsLast.store(
                            Transform.outputTransform(source + 4 * (points * a * layout.positionStride + c0),
                                                      stride: 4 * layout.positionStride),
                            at: rowTransforms + 4 * a * ChannelsLast.vectorBytes, stride: ChannelsLast.vectorBytes)
                    }
                    // Aᵀ down the rows, the bias and the rectifier, a column at a time.
                    let shift = UnsafeRawPointer(shifts + c0).loadUnaligned(as: Channels.self)
                    for j in 0..<4 {
                        ChannelsLast.storeOutputs(
                            Transform.outputTransform(rowTransforms + j * ChannelsLast.vectorBytes,
                                                      stride: 4 * ChannelsLast.vectorBytes),
                            shift: shift, rectifies: rectifies, at: out + 4 * ((4 * ty * ow + 4 * tx + j) * cp + c0),
                            stride: 4 * ow * cp)
                    }
                }
            }
        }
    }

    /// `D = A ȳ Aᵀ` for the 4x4 tile `ȳ` of every tile of one image's output gradient `dy`
    /// `[channels, height, width]` (zeros past the map), into the tiles' rows of `d`
    /// `[points², tiles, paddedChannels]`.
    @inline(__always)
    func transformGradient(
        _ dy: UnsafePointer<Float>, channels: Int, into d: UnsafeMutablePointer<Float>, firstTile: Int,
        layout: ChannelsLast.Layout, scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = ChannelsLast.paddedChannels(channels)
        let ow = rowLength
        ChannelsLast.copyIn(dy, padded: scratch, channels: channels, height: height, width: width,
                            rows: rows, rowLength: ow, border: 0)
        transformGradient(channelsLast: scratch, rowLength: ow, channels: channels, into: d, firstTile: firstTile,
                          layout: layout, rowTransforms: scratch + (rows * ow + 1) * cp)
    }

    /// ``transformGradient(_:channels:into:firstTile:layout:scratch:)`` of an output gradient
    /// already copied channels-last: pixel `(y, x)` at `source + (y · rowLength + x) ·
    /// paddedChannels`, zeros past the map up to the tiles' extent. `rowTransforms` has room for
    /// `4 · points` vectors (used by the portable loops).
    @inline(__always)
    func transformGradient(
        channelsLast source: UnsafePointer<Float>, rowLength ow: Int, channels: Int, into d: UnsafeMutablePointer<Float>,
        firstTile: Int, layout: ChannelsLast.Layout, rowTransforms: UnsafeMutablePointer<Float>
    ) {
        let points = Transform.points
        let cp = ChannelsLast.paddedChannels(channels)
        if InstructionSet.current >= .avx2, let kernels = Transform.kernels {
            kernels.gradient(InstructionSet.current.isa, source, tilesHigh, tilesWide, ow, cp,
                             d + firstTile * layout.rowStride, layout.rowStride, layout.positionStride)
            return
        }
        let rowTransforms = UnsafeMutableRawPointer(rowTransforms)
        let source = UnsafeRawPointer(source)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let destination = UnsafeMutableRawPointer(d + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    // A along each row of the tile: row `i` into vectors `points · i …`.
                    for i in 0..<4 {
                        Transform.gradientTransform(
                            source + 4 * (((4 * ty + i) * ow + 4 * tx) * cp + c0), stride: 4 * cp,
                            into: rowTransforms + points * i * ChannelsLast.vectorBytes,
                            destinationStride: ChannelsLast.vectorBytes)
                    }
                    // A down the rows, a column at a time: column `b` to positions `points · a + b`.
                    for b in 0..<points {
                        Transform.gradientTransform(
                            rowTransforms + b * ChannelsLast.vectorBytes, stride: points * ChannelsLast.vectorBytes,
                            into: destination + 4 * (b * layout.positionStride + c0),
                            destinationStride: 4 * points * layout.positionStride)
                    }
                }
            }
        }
    }
}

extension ChannelsLast {
    /// The products of one group's share of a convolution in the Winograd domain: for each of
    /// the `positions` positions `ξ`, `M[ξ]ᵀ = V[ξ] U[ξ]ᵀ` (tiles x `columns`) from the
    /// transformed inputs `v` (`depth` columns) and the transformed kernels `U[ξ]ᵀ` in panels
    /// (`panels`, from ``Kernels/packedPanels(_:count:columns:depth:rowStride:)``), into `m`.
    @inline(__always)
    static func multiply(
        _ v: Transformed, byPackedKernels panels: UnsafePointer<Float>, positions: Int, tiles: Int, columns: Int,
        depth: Int, into m: Transformed
    ) {
        let panelsSize = Kernels.packedPanelsSize(columns: columns, depth: depth)
        for xi in 0..<positions {
            Kernels.product(rows: tiles, columns: columns, depth: depth,
                            a: v.position(xi), rowStride: v.layout.rowStride, depthStride: 1,
                            b: .init(packed: panels + xi * panelsSize, depth: depth),
                            c: m.position(xi), ldc: m.layout.rowStride, accumulates: false)
        }
    }
}
