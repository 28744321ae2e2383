extension PolyphaseWinograd {
    /// The 2x2 output tiles of a stride-2 4x4 convolution whose large side is `height x width`,
    /// and the transforms between images and the Winograd domain.
    ///
    /// A tile `(ty, tx)` covers rows `2ty, 2ty + 1` and columns `2tx, 2tx + 1` of the small side,
    /// and reads the 6x6 patch at rows `4ty - 1 … 4ty + 4` and columns `4tx - 1 … 4tx + 4` of
    /// the large side. Along each axis the input transform of six pixels `p` is
    /// `T(p) = (p0 - p2, p2, p4 - p2, p1 - p3, p3, p5 - p3)`: `Bᵀ d` for the odd phase
    /// `d = (p0, p2, p4)`, then for the even one `d = (p1, p3, p5)`. Index `a` of `T` belongs
    /// to phase `a / 3` at position `a % 3`; in 2-D, `(a, b)` is position `ξ = 3 (a % 3) + b % 3`
    /// and phase `2 (a / 3) + b / 3`. Tile `firstTile + ty · tilesWide + tx` of a group.
    ///
    /// The large side's transformed data is `[9, tiles, 4 · paddedChannels]` (position, tile,
    /// phase · paddedChannels + channel), the small side's `[9, tiles, paddedChannels]`; both are
    /// transformed eight channels at a time (`PolyphaseWinograd+Transforms.swift`).
    struct PhaseTiles {
        let height: Int
        let width: Int
        var tilesHigh: Int { height / 4 }
        var tilesWide: Int { width / 4 }
        var tilesPerImage: Int { tilesHigh * tilesWide }
        /// Pixels of one channel of the large side.
        var pixels: Int { height * width }

        /// The element of a `[9, rows, 4 · channels]` kernel transform for `(a, b)`, `channel` and
        /// `row`.
        @inline(__always)
        static func index(_ a: Int, _ b: Int, channel: Int, channels: Int, rows: Int, row: Int) -> Int {
            let xi = 3 * (a % 3) + b % 3
            let phase = 2 * (a / 3) + b / 3
            return (xi * rows + row) * 4 * channels + phase * channels + channel
        }
    }
}
