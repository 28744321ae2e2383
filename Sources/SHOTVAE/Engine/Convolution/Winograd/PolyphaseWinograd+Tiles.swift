extension PolyphaseWinograd {
    /// The 4x4 output tiles of a stride-2 4x4 convolution whose large side is `height x width`
    /// (both even), and the one-axis transforms of F(4, 2).
    ///
    /// A tile `(ty, tx)` covers rows `4ty … 4ty + 3` and columns `4tx … 4tx + 3` of the small
    /// side `[height / 2, width / 2]`, and reads the 10x10 patch at rows `8ty - 1 … 8ty + 8` and
    /// columns `8tx - 1 … 8tx + 8` of the large side (zeros outside the image). When the small
    /// side is not a multiple of 4, the last row and column of tiles reach past it: their extra
    /// outputs are computed on zeros and dropped. Tile `firstTile + ty · tilesWide + tx` of a
    /// group.
    ///
    /// Along each axis the input transform of the ten pixels `p` of a patch is
    /// `T(p) = (Bᵀ (p0, p2, p4, p6, p8), Bᵀ (p1, p3, p5, p7, p9))`: the odd phase (the pixels
    /// that kernel taps 0 and 2 read), then the even one (taps 1 and 3). Index `a` of `T` belongs
    /// to phase `a / 5` at position `a % 5`; in 2-D, `(a, b)` is position `ξ = 5 (a % 5) + b % 5`
    /// and phase `2 (a / 5) + b / 5`.
    ///
    /// The large side's transformed data is `[25, tiles, 4 · paddedChannels]` (position, tile,
    /// phase · paddedChannels + channel), the small side's `[25, tiles, paddedChannels]`; both are
    /// transformed eight channels at a time from channels-last copies: the large side in
    /// `PolyphaseWinograd+Transforms.swift`, the small side by ``OutputTiles`` with this form's `A`.
    struct PhaseTiles {
        let height: Int
        let width: Int
        var smallHeight: Int { height / 2 }
        var smallWidth: Int { width / 2 }
        var tilesHigh: Int { (smallHeight + 3) / 4 }
        var tilesWide: Int { (smallWidth + 3) / 4 }
        var tilesPerImage: Int { tilesHigh * tilesWide }
        /// Pixels of one channel of the large side.
        var pixels: Int { height * width }
        /// Pixels of one channel of the small side.
        var smallPixels: Int { smallHeight * smallWidth }

        /// The positions of the transform: 5x5.
        static let positions = 25

        /// The position `ξ` of index `(a, b)` of a 2-D transform.
        @inline(__always)
        static func position(_ a: Int, _ b: Int) -> Int { 5 * (a % 5) + b % 5 }

        /// The phase of index `(a, b)` of a 2-D transform: `2 · (row parity) + column parity`,
        /// odd first.
        @inline(__always)
        static func phase(_ a: Int, _ b: Int) -> Int { 2 * (a / 5) + b / 5 }

        /// Rows and pixels per row of the large side's channels-last copy: the tiles' reach and a
        /// one-pixel border before it.
        var largeRows: Int { 8 * tilesHigh + 2 }
        var largeRowLength: Int { 8 * tilesWide + 2 }
        /// The small side: its tiles and their transforms, shared with ``Winograd``.
        var small: OutputTiles<Self> { OutputTiles(height: smallHeight, width: smallWidth) }

        // MARK: - Along one axis (F(4, 2) at the points 0, 1, -1, 2 and ∞)

        typealias Channels = ChannelsLast.Channels

        /// `Bᵀ d` for the five values of one phase, with
        ///
        ///     Bᵀ = [[2, -1, -2, 1, 0], [0, -2, -1, 1, 0], [0, 2, -3, 1, 0], [0, -1, 0, 1, 0], [0, 2, -1, -2, 1]].
        @inline(__always)
        static func inputTransform(
            _ d0: Channels, _ d1: Channels, _ d2: Channels, _ d3: Channels, _ d4: Channels
        ) -> [5 of Channels] {
            let d31 = d3 - d1
            return [2 * (d0 - d2) + d31, d31 - (d1 + d2), d31 + 3 * (d1 - d2), d31, (d4 - d2) - 2 * d31]
        }

        /// `B v`, the adjoint of ``inputTransform(_:_:_:_:_:)``.
        @inline(__always)
        static func inputAdjoint(
            _ v0: Channels, _ v1: Channels, _ v2: Channels, _ v3: Channels, _ v4: Channels
        ) -> [5 of Channels] {
            let s = v1 + v2
            return [2 * v0, 2 * (v2 - v1 + v4) - (v0 + v3), -(2 * v0 + v1 + 3 * v2 + v4), v0 + s + v3 - 2 * v4, v4]
        }

        /// `Aᵀ m` for five values, with `Aᵀ = [[1, 1, 1, 1, 0], [0, 1, -1, 2, 0], [0, 1, 1, 4, 0], [0, 1, -1, 8, 1]]`.
        @inline(__always)
        static func outputTransform(
            _ m0: Channels, _ m1: Channels, _ m2: Channels, _ m3: Channels, _ m4: Channels
        ) -> [4 of Channels] {
            let (s, d) = (m1 + m2, m1 - m2)
            return [m0 + s + m3, d + 2 * m3, s + 4 * m3, d + 8 * m3 + m4]
        }

        /// `A y` for four values, the adjoint of ``outputTransform(_:_:_:_:_:)``.
        @inline(__always)
        static func gradientTransform(_ y0: Channels, _ y1: Channels, _ y2: Channels, _ y3: Channels) -> [5 of Channels] {
            let (s02, s13) = (y0 + y2, y1 + y3)
            return [y0, s02 + s13, s02 - s13, (y0 + 4 * y2) + 2 * (y1 + 4 * y3), y3]
        }

        /// `G g` for the two taps of one phase, with `G = [[½, 0], [-½, -½], [-⅙, ⅙], [⅙, ⅓], [0, 1]]`.
        @inline(__always)
        static func kernelTransform<V: SIMD>(_ g0: V, _ g1: V) -> [5 of V] where V.Scalar == Float {
            let sixth: Float = 1 / 6
            return [0.5 * g0, -0.5 * (g0 + g1), sixth * (g1 - g0), sixth * (g0 + 2 * g1), g1]
        }

        /// `Gᵀ u`, the adjoint of ``kernelTransform(_:_:)``: the two taps of one phase.
        @inline(__always)
        static func kernelAdjoint<V: SIMD>(_ u0: V, _ u1: V, _ u2: V, _ u3: V, _ u4: V) -> (V, V) where V.Scalar == Float {
            let sixth: Float = 1 / 6
            return (0.5 * (u0 - u1) + sixth * (u3 - u2), sixth * (u2 + 2 * u3) - 0.5 * u1 + u4)
        }
    }
}
