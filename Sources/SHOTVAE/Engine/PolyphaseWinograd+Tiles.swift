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
    /// phase · paddedChannels + channel), transformed eight channels at a time
    /// (`PolyphaseWinograd+Channels.swift`); the small side's is `[9, channels, tiles]`,
    /// transformed a run of tiles along a row at a time, one tile per vector lane.
    struct PhaseTiles {
        let height: Int
        let width: Int
        var tilesHigh: Int { height / 4 }
        var tilesWide: Int { width / 4 }
        var tilesPerImage: Int { tilesHigh * tilesWide }
        /// Pixels of one channel of the large side.
        var pixels: Int { height * width }

        /// Where a group's transformed data lies: position `ξ`'s `[rows, rowLength]` matrix starts
        /// at `ξ · positionStride`, its rows `rowStride` apart. Both are padded off multiples of
        /// large powers of two, so that the rows one tile's transform writes do not all fall in
        /// the same cache sets.
        struct Layout {
            let rowStride: Int
            let positionStride: Int

            init(rows: Int, rowLength: Int) {
                rowStride = (rowLength + 15) / 16 * 16 + 8
                positionStride = rows * rowStride + 16
            }

            /// Floats of all nine positions.
            var size: Int { 9 * positionStride }
        }

        /// The element of a `[9, rows, 4 · channels]` kernel transform for `(a, b)`, `channel` and
        /// `row`.
        @inline(__always)
        static func index(_ a: Int, _ b: Int, channel: Int, channels: Int, rows: Int, row: Int) -> Int {
            let xi = 3 * (a % 3) + b % 3
            let phase = 2 * (a / 3) + b / 3
            return (xi * rows + row) * 4 * channels + phase * channels + channel
        }

        /// Calls `body` for every run of tiles along a row (its first tile and length) with the
        /// lane type that fits the map: eight lanes, four, or two on maps eight pixels wide.
        @inline(__always)
        func forEachRun(_ body: (_ first: Int, _ count: Int) -> Void) {
            let lanes = tilesWide >= 8 ? 8 : tilesWide >= 4 ? 4 : 2
            var first = 0
            while first < tilesWide {
                body(first, min(lanes, tilesWide - first))
                first += lanes
            }
        }

        @inline(__always)
        func withLanes(_ eight: () -> Void, _ four: () -> Void, _ two: () -> Void) {
            if tilesWide >= 8 { eight() } else if tilesWide >= 4 { four() } else { two() }
        }

        /// `Y = Aᵀ M A` for every tile of one image: `m` `[9, channels, tiles]` to the small side
        /// `[channels, height / 2, width / 2]`, a run of tiles at a time; plus `bias[c]` and then
        /// the rectifier `max(0, ·)` if asked, while the outputs are in registers.
        func transformOutput(
            _ m: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: Layout, into y: UnsafeMutablePointer<Float>,
            bias: UnsafePointer<Float>? = nil, rectifies: Bool = false
        ) {
            withLanes({ transformOutput(SIMD8<Float>.self, m, channels: channels, firstTile: firstTile, layout: layout, into: y, bias: bias, rectifies: rectifies) },
                      { transformOutput(SIMD4<Float>.self, m, channels: channels, firstTile: firstTile, layout: layout, into: y, bias: bias, rectifies: rectifies) },
                      { transformOutput(SIMD2<Float>.self, m, channels: channels, firstTile: firstTile, layout: layout, into: y, bias: bias, rectifies: rectifies) })
        }

        @inline(__always)
        func transformOutput<V: SIMD>(
            _: V.Type, _ m: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: Layout,
            into y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, rectifies: Bool
        ) where V.Scalar == Float {
            typealias L = Winograd.Lanes
            let smallWidth = width / 2
            let zero = V()
            for c in 0..<channels {
                let plane = y + c * pixels / 4
                let shift = V(repeating: bias?[c] ?? 0)
                @inline(__always) func finish(_ value: V) -> V {
                    let biased = value + shift
                    return rectifies ? biased.replacing(with: zero, where: biased .< zero) : biased
                }
                for ty in 0..<tilesHigh {
                    let source = m + c * layout.rowStride + firstTile + ty * tilesWide
                    forEachRun { tx, count in
                        @inline(__always) func at(_ xi: Int) -> V { L.load(source + xi * layout.positionStride + tx, count: count) }
                        // M A: each row's (m0 + m1, m1 + m2).
                        let (m1, m4, m7) = (at(1), at(4), at(7))
                        let (l0, r0) = (at(0) + m1, m1 + at(2))
                        let (l1, r1) = (at(3) + m4, m4 + at(5))
                        let (l2, r2) = (at(6) + m7, m7 + at(8))
                        let top = plane + 2 * ty * smallWidth + 2 * tx
                        L.storePairs(finish(l0 + l1), finish(r0 + r1), top, count: count)
                        L.storePairs(finish(l1 + l2), finish(r1 + r2), top + smallWidth, count: count)
                    }
                }
            }
        }

        /// `D = A ȳ Aᵀ` for every 2x2 tile `ȳ` of one image's small side `[channels, height / 2,
        /// width / 2]`: `[9, channels, tiles]`. Along each axis, `A (y0, y1) = (y0, y0 + y1, y1)`.
        func transformGradient(
            _ dy: UnsafePointer<Float>, channels: Int, into d: UnsafeMutablePointer<Float>, firstTile: Int, layout: Layout
        ) {
            withLanes({ transformGradient(SIMD8<Float>.self, dy, channels: channels, into: d, firstTile: firstTile, layout: layout) },
                      { transformGradient(SIMD4<Float>.self, dy, channels: channels, into: d, firstTile: firstTile, layout: layout) },
                      { transformGradient(SIMD2<Float>.self, dy, channels: channels, into: d, firstTile: firstTile, layout: layout) })
        }

        @inline(__always)
        func transformGradient<V: SIMD>(
            _: V.Type, _ dy: UnsafePointer<Float>, channels: Int, into d: UnsafeMutablePointer<Float>,
            firstTile: Int, layout: Layout
        ) where V.Scalar == Float {
            typealias L = Winograd.Lanes
            let smallWidth = width / 2
            for c in 0..<channels {
                let plane = dy + c * pixels / 4
                for ty in 0..<tilesHigh {
                    let destination = d + c * layout.rowStride + firstTile + ty * tilesWide
                    forEachRun { tx, count in
                        let top = plane + 2 * ty * smallWidth + 2 * tx
                        let (y00, y01): (V, V) = L.loadPairs(top, count: count)
                        let (y10, y11): (V, V) = L.loadPairs(top + smallWidth, count: count)
                        @inline(__always) func put(_ a: Int, _ e: V, _ f: V) {
                            let row = destination + 3 * a * layout.positionStride + tx
                            L.store(e, row, count: count)
                            L.store(e + f, row + layout.positionStride, count: count)
                            L.store(f, row + 2 * layout.positionStride, count: count)
                        }
                        put(0, y00, y01)
                        put(1, y00 + y10, y01 + y11)
                        put(2, y10, y11)
                    }
                }
            }
        }
    }
}
