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
    /// and phase `2 (a / 3) + b / 3`. A group's transformed data is `[9, 4 · channels, tiles]`:
    /// position, phase · channels + channel, then tile `firstTile + ty · tilesWide + tx`.
    ///
    /// The patches are read from a copy of each channel with a one-pixel zero border, so that
    /// every tile reads its 6x6 patch the same way. Rows of six are SIMD8 vectors whose last
    /// two lanes are ignored; the copy has room for them.
    struct PhaseTiles {
        let height: Int
        let width: Int
        var tilesHigh: Int { height / 4 }
        var tilesWide: Int { width / 4 }
        var tilesPerImage: Int { tilesHigh * tilesWide }
        /// Pixels of one channel of the large side.
        var pixels: Int { height * width }

        /// Where a group's transformed data lies: position `ξ`'s `[rows, tiles]` matrix starts at
        /// `ξ · positionStride`, its rows `rowStride` apart. Both are padded off multiples of large
        /// powers of two, so that the 36 rows one tile's transform writes do not all fall in the
        /// same cache sets.
        struct Layout {
            let rowStride: Int
            let positionStride: Int

            init(rows: Int, tiles: Int) {
                rowStride = (tiles + 15) / 16 * 16 + 8
                positionStride = rows * rowStride + 16
            }

            /// Floats of all nine positions.
            var size: Int { 9 * positionStride }
        }

        /// The element of a `[9, rows, 4 · channels]` kernel transform (or `[9, 4 · channels,
        /// tiles]` data with `rows` the tiles, read transposed) for `(a, b)`, `channel` and `row`.
        @inline(__always)
        static func index(_ a: Int, _ b: Int, channel: Int, channels: Int, rows: Int, row: Int) -> Int {
            let xi = 3 * (a % 3) + b % 3
            let phase = 2 * (a / 3) + b / 3
            return (xi * rows + row) * 4 * channels + phase * channels + channel
        }

        /// Floats of the scratch of ``transformInput(_:channels:into:firstTile:layout:scratch:)``:
        /// the six values of `T` along every row for every tile, `[height + 2, 6, tilesWide]`,
        /// with a row of zeros above and below the image.
        var scratchSize: Int { (height + 2) * 6 * tilesWide }

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

        /// `V = T d Tᵀ` for the 6x6 patch `d` of every tile and channel of one image (zeros
        /// outside the image).
        ///
        /// First `T` along every image row, one tile per lane (`scratch`, see ``scratchSize``),
        /// then `T` down the rows, six rows of vectors at a time, stored as whole runs of tiles.
        func transformInput(
            _ image: UnsafePointer<Float>, channels: Int, into v: UnsafeMutablePointer<Float>,
            firstTile: Int, layout: Layout, scratch: UnsafeMutablePointer<Float>
        ) {
            withLanes({ transformInput(SIMD8<Float>.self, image, channels: channels, into: v, firstTile: firstTile, layout: layout, scratch: scratch) },
                      { transformInput(SIMD4<Float>.self, image, channels: channels, into: v, firstTile: firstTile, layout: layout, scratch: scratch) },
                      { transformInput(SIMD2<Float>.self, image, channels: channels, into: v, firstTile: firstTile, layout: layout, scratch: scratch) })
        }

        @inline(__always)
        func transformInput<V: SIMD>(
            _: V.Type, _ image: UnsafePointer<Float>, channels: Int, into v: UnsafeMutablePointer<Float>,
            firstTile: Int, layout: Layout, scratch: UnsafeMutablePointer<Float>
        ) where V.Scalar == Float {
            typealias L = Winograd.Lanes
            let tw = tilesWide
            let rowLength = 6 * tw
            Kernels.fill(scratch, with: 0, count: rowLength)
            Kernels.fill(scratch + (height + 1) * rowLength, with: 0, count: rowLength)
            let phaseStride = channels * layout.rowStride
            for c in 0..<channels {
                let plane = image + c * pixels
                for iy in 0..<height {
                    let row = plane + iy * width
                    let out = scratch + (iy + 1) * rowLength
                    forEachRun { tx, count in
                        // Pixels 4t - 1 … 4t + 4 of each tile t: the quads 4t … 4t + 3, the pixel left
                        // of each (the previous quad's last) and the one right of it (the next's
                        // first), zero outside the image. A short run is the last; its lanes past
                        // `count` stay zero.
                        var (p1, p2, p3, p4) = (V(), V(), V(), V())
                        @inline(__always) func gather(_ k: Int) {
                            let quad = row + 4 * (tx + k)
                            p1[k] = quad[0]; p2[k] = quad[1]; p3[k] = quad[2]; p4[k] = quad[3]
                        }
                        if count == V.scalarCount {
                            for k in 0..<V.scalarCount { gather(k) }
                        } else {
                            for k in 0..<count { gather(k) }
                        }
                        var p0 = V(), p5 = V()
                        for k in 1..<V.scalarCount { p0[k] = p4[k - 1] }
                        for k in 0..<(V.scalarCount - 1) { p5[k] = p1[k + 1] }
                        p0[0] = tx > 0 ? row[4 * tx - 1] : 0
                        let following = tx + V.scalarCount
                        p5[V.scalarCount - 1] = following < tw ? row[4 * following] : 0
                        L.store(p0 - p2, out + tx, count: count)
                        L.store(p2, out + tw + tx, count: count)
                        L.store(p4 - p2, out + 2 * tw + tx, count: count)
                        L.store(p1 - p3, out + 3 * tw + tx, count: count)
                        L.store(p3, out + 4 * tw + tx, count: count)
                        L.store(p5 - p3, out + 5 * tw + tx, count: count)
                    }
                }
                let channelBase = v + c * layout.rowStride + firstTile
                for ty in 0..<tilesHigh {
                    let top = scratch + 4 * ty * rowLength
                    forEachRun { tx, count in
                        for j in 0..<6 {
                            @inline(__always) func at(_ t: Int) -> V { L.load(top + t * rowLength + j * tw + tx, count: count) }
                            let (r0, r1, r2, r3, r4, r5) = (at(0), at(1), at(2), at(3), at(4), at(5))
                            // T down the rows: (a, j) is position 3 (a % 3) + j % 3, phase 2 (a / 3) + j / 3.
                            let destination = channelBase + (j % 3) * layout.positionStride + (j / 3) * phaseStride + ty * tw + tx
                            @inline(__always) func put(_ a: Int, _ value: V) {
                                L.store(value, destination + 3 * (a % 3) * layout.positionStride + 2 * (a / 3) * phaseStride,
                                        count: count)
                            }
                            put(0, r0 - r2); put(1, r2); put(2, r4 - r2)
                            put(3, r1 - r3); put(4, r3); put(5, r5 - r3)
                        }
                    }
                }
            }
        }

        /// The adjoint of ``transformInput(_:channels:into:firstTile:layout:scratch:)``: every
        /// tile's 36 values of every channel, `[9, 4 · channels, tiles]`, added back onto its 6x6
        /// patch (neighbouring patches overlap by two rows or columns), giving the image. Along
        /// each axis, `Tᵀ(v) = (v0, v3, v1 - v0 - v2, v4 - v3 - v5, v2, v5)`: first down the rows
        /// into `scratch`, then along every row.
        func transformInputAdjoint(
            _ v: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: Layout,
            into image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
        ) {
            withLanes({ transformInputAdjoint(SIMD8<Float>.self, v, channels: channels, firstTile: firstTile, layout: layout, into: image, scratch: scratch) },
                      { transformInputAdjoint(SIMD4<Float>.self, v, channels: channels, firstTile: firstTile, layout: layout, into: image, scratch: scratch) },
                      { transformInputAdjoint(SIMD2<Float>.self, v, channels: channels, firstTile: firstTile, layout: layout, into: image, scratch: scratch) })
        }

        @inline(__always)
        func transformInputAdjoint<V: SIMD>(
            _: V.Type, _ v: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: Layout,
            into image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
        ) where V.Scalar == Float {
            typealias L = Winograd.Lanes
            let tw = tilesWide
            let rowLength = 6 * tw
            let phaseStride = channels * layout.rowStride
            for c in 0..<channels {
                Kernels.fill(scratch, with: 0, count: scratchSize)
                let channelBase = v + c * layout.rowStride + firstTile
                for ty in 0..<tilesHigh {
                    let top = scratch + 4 * ty * rowLength
                    forEachRun { tx, count in
                        for j in 0..<6 {
                            let source = channelBase + (j % 3) * layout.positionStride + (j / 3) * phaseStride + ty * tw + tx
                            @inline(__always) func take(_ a: Int) -> V {
                                L.load(source + 3 * (a % 3) * layout.positionStride + 2 * (a / 3) * phaseStride, count: count)
                            }
                            let (u0, u1, u2, u3, u4, u5) = (take(0), take(1), take(2), take(3), take(4), take(5))
                            @inline(__always) func add(_ t: Int, _ value: V) {
                                let p = top + t * rowLength + j * tw + tx
                                L.store(L.load(p, count: count) + value, p, count: count)
                            }
                            add(0, u0); add(1, u3); add(2, u1 - u0 - u2); add(3, u4 - u3 - u5); add(4, u2); add(5, u5)
                        }
                    }
                }
                let plane = image + c * pixels
                for iy in 0..<height {
                    let row = plane + iy * width
                    let source = scratch + (iy + 1) * rowLength
                    forEachRun { tx, count in
                        @inline(__always) func at(_ j: Int) -> V { L.load(source + j * tw + tx, count: count) }
                        let (q0, q1, q2, q3, q4, q5) = (at(0), at(1), at(2), at(3), at(4), at(5))
                        // Pixel 4t + 3 also takes the next tile's first value, pixel 4t its left
                        // neighbour's last; the ones beyond the image are dropped.
                        // (A short run is the last one, its lanes past `count` zero.)
                        var next = V(), previous = V()
                        for k in 0..<(V.scalarCount - 1) { next[k] = q0[k + 1] }
                        for k in 1..<V.scalarCount { previous[k] = q5[k - 1] }
                        let following = tx + V.scalarCount
                        next[V.scalarCount - 1] = following < tw ? source[following] : 0
                        previous[0] = tx > 0 ? source[5 * tw + tx - 1] : 0
                        let (first, second, third, fourth) = (q3 + previous, q1 - q0 - q2, q4 - q3 - q5, q2 + next)
                        if count == V.scalarCount {
                            for k in 0..<V.scalarCount {
                                let quad = row + 4 * (tx + k)
                                quad[0] = first[k]; quad[1] = second[k]; quad[2] = third[k]; quad[3] = fourth[k]
                            }
                        } else {
                            for k in 0..<count {
                                let quad = row + 4 * (tx + k)
                                quad[0] = first[k]; quad[1] = second[k]; quad[2] = third[k]; quad[3] = fourth[k]
                            }
                        }
                    }
                }
            }
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
