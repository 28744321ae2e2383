extension Winograd {
    /// The 2x2 output tiles of an even-sized map and the transforms between images and the
    /// Winograd domain. A group's transformed data is `[16, channels, tiles]`: position `ξ = 4i
    /// + j` of the 4x4 transform, channel, then tile `firstTile + ty · tilesWide + tx`.
    ///
    /// Every transform works on a run of tiles along a row at once, one tile per vector lane
    /// (eight lanes, or four on maps eight pixels wide), so that each of the 16 positions is one
    /// contiguous vector load or store.
    struct TileShape {
        let height: Int
        let width: Int
        var tilesHigh: Int { height / 2 }
        var tilesWide: Int { width / 2 }

        /// Calls `body` for every run of tiles along a row: its first tile and its length.
        @inline(__always)
        func forEachRun(_ body: (_ first: Int, _ count: Int) -> Void) {
            let lanes = tilesWide >= 8 ? 8 : 4
            var first = 0
            while first < tilesWide {
                body(first, min(lanes, tilesWide - first))
                first += lanes
            }
        }

        /// Runs `body` with the lane type that fits the map: eight lanes, or four on narrow maps.
        @inline(__always)
        func withLanes(_ eight: () -> Void, _ four: () -> Void) {
            if tilesWide >= 8 { eight() } else { four() }
        }

        /// `V = Bᵀ d B` for the 4x4 patch `d` at rows `2ty - 1 ... 2ty + 2` and columns
        /// `2tx - 1 ... 2tx + 2` of every channel (zeros outside the image), with
        /// `Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]`.
        ///
        /// First `d B` for every image row (four values per tile, kept in `scratch`, `2 · width`
        /// floats per row plus one row of zeros), then `Bᵀ` down the rows.
        func transformInput(
            _ image: UnsafePointer<Float>, channels: Int, into v: UnsafeMutablePointer<Float>,
            firstTile: Int, tiles: Int, scratch: UnsafeMutablePointer<Float>
        ) {
            withLanes({ transformInput(SIMD8<Float>.self, image, channels: channels, into: v, firstTile: firstTile, tiles: tiles, scratch: scratch) },
                      { transformInput(SIMD4<Float>.self, image, channels: channels, into: v, firstTile: firstTile, tiles: tiles, scratch: scratch) })
        }

        @inline(__always)
        func transformInput<V: SIMD>(
            _: V.Type, _ image: UnsafePointer<Float>, channels: Int, into v: UnsafeMutablePointer<Float>,
            firstTile: Int, tiles: Int, scratch: UnsafeMutablePointer<Float>
        ) where V.Scalar == Float {
            let tw = tilesWide
            let rowLength = 4 * tw
            let zero = scratch + height * rowLength
            Kernels.fill(zero, with: 0, count: rowLength)
            let positionStride = channels * tiles
            for c in 0..<channels {
                let plane = image + c * height * width
                for iy in 0..<height {
                    let row = plane + iy * width
                    let out = scratch + iy * rowLength
                    forEachRun { tx, count in
                        let (a, b): (V, V) = Lanes.loadPairs(row + 2 * tx, count: count)
                        // The neighbours: the odd pixel left of each tile, the even one right of it.
                        var left = V(), right = V()
                        left[0] = tx > 0 ? row[2 * tx - 1] : 0
                        for k in 1..<V.scalarCount { left[k] = b[k - 1] }
                        for k in 0..<(V.scalarCount - 1) { right[k] = a[k + 1] }
                        right[count - 1] = tx + count < tw ? row[2 * (tx + count)] : 0
                        Lanes.store(left - b, out + tx, count: count)
                        Lanes.store(a + b, out + tw + tx, count: count)
                        Lanes.store(b - a, out + 2 * tw + tx, count: count)
                        Lanes.store(a - right, out + 3 * tw + tx, count: count)
                    }
                }
                for ty in 0..<tilesHigh {
                    let r0 = ty > 0 ? scratch + (2 * ty - 1) * rowLength : zero
                    let r1 = scratch + 2 * ty * rowLength
                    let r2 = scratch + (2 * ty + 1) * rowLength
                    let r3 = ty + 1 < tilesHigh ? scratch + (2 * ty + 2) * rowLength : zero
                    let destination = v + c * tiles + firstTile + ty * tw
                    for j in 0..<4 {
                        forEachRun { tx, count in
                            let offset = j * tw + tx
                            let p0: V = Lanes.load(r0 + offset, count: count), p1: V = Lanes.load(r1 + offset, count: count)
                            let p2: V = Lanes.load(r2 + offset, count: count), p3: V = Lanes.load(r3 + offset, count: count)
                            let d = destination + j * positionStride + tx
                            Lanes.store(p0 - p2, d, count: count)
                            Lanes.store(p1 + p2, d + 4 * positionStride, count: count)
                            Lanes.store(p2 - p1, d + 8 * positionStride, count: count)
                            Lanes.store(p1 - p3, d + 12 * positionStride, count: count)
                        }
                    }
                }
            }
        }

        /// `Y = Aᵀ M A` for every tile, written into the image `[channels, height, width]`, with
        /// `Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]]`.
        func transformOutput(
            _ m: UnsafePointer<Float>, channels: Int, firstTile: Int, tiles: Int, into image: UnsafeMutablePointer<Float>
        ) {
            withLanes({ transformOutput(SIMD8<Float>.self, m, channels: channels, firstTile: firstTile, tiles: tiles, into: image) },
                      { transformOutput(SIMD4<Float>.self, m, channels: channels, firstTile: firstTile, tiles: tiles, into: image) })
        }

        @inline(__always)
        func transformOutput<V: SIMD>(
            _: V.Type, _ m: UnsafePointer<Float>, channels: Int, firstTile: Int, tiles: Int,
            into image: UnsafeMutablePointer<Float>
        ) where V.Scalar == Float {
            let tw = tilesWide
            let positionStride = channels * tiles
            for o in 0..<channels {
                let plane = image + o * height * width
                for ty in 0..<tilesHigh {
                    let source = m + o * tiles + firstTile + ty * tw
                    let top = plane + 2 * ty * width
                    forEachRun { tx, count in
                        // Aᵀ M, column by column: two rows of four.
                        var s0 = (V(), V(), V(), V()), s1 = (V(), V(), V(), V())
                        func column(_ j: Int) -> (V, V) {
                            let p = source + j * positionStride + tx
                            let m0: V = Lanes.load(p, count: count), m1: V = Lanes.load(p + 4 * positionStride, count: count)
                            let m2: V = Lanes.load(p + 8 * positionStride, count: count), m3: V = Lanes.load(p + 12 * positionStride, count: count)
                            return (m0 + m1 + m2, m1 - m2 - m3)
                        }
                        (s0.0, s1.0) = column(0)
                        (s0.1, s1.1) = column(1)
                        (s0.2, s1.2) = column(2)
                        (s0.3, s1.3) = column(3)
                        Lanes.storePairs(s0.0 + s0.1 + s0.2, s0.1 - s0.2 - s0.3, top + 2 * tx, count: count)
                        Lanes.storePairs(s1.0 + s1.1 + s1.2, s1.1 - s1.2 - s1.3, top + width + 2 * tx, count: count)
                    }
                }
            }
        }

        /// `dM = A dY Aᵀ` for the 2x2 tile `dY` of every output-gradient channel: the adjoint of
        /// ``transformOutput(_:channels:firstTile:tiles:into:)``. Along each axis a pair
        /// `(p, q)` becomes `(p, p + q, p - q, -q)`.
        func transformGradient(
            _ gradient: UnsafePointer<Float>, channels: Int, into d: UnsafeMutablePointer<Float>, firstTile: Int, tiles: Int
        ) {
            withLanes({ transformGradient(SIMD8<Float>.self, gradient, channels: channels, into: d, firstTile: firstTile, tiles: tiles) },
                      { transformGradient(SIMD4<Float>.self, gradient, channels: channels, into: d, firstTile: firstTile, tiles: tiles) })
        }

        @inline(__always)
        func transformGradient<V: SIMD>(
            _: V.Type, _ gradient: UnsafePointer<Float>, channels: Int, into d: UnsafeMutablePointer<Float>,
            firstTile: Int, tiles: Int
        ) where V.Scalar == Float {
            let tw = tilesWide
            let positionStride = channels * tiles
            for o in 0..<channels {
                let plane = gradient + o * height * width
                for ty in 0..<tilesHigh {
                    let top = plane + 2 * ty * width
                    let destination = d + o * tiles + firstTile + ty * tw
                    forEachRun { tx, count in
                        let (a, b): (V, V) = Lanes.loadPairs(top + 2 * tx, count: count)
                        let (c, e): (V, V) = Lanes.loadPairs(top + width + 2 * tx, count: count)
                        // Along x, each row: (p, p + q, p - q, -q); then the same along y.
                        let upper = (a, a + b, a - b, -b)
                        let lower = (c, c + e, c - e, -e)
                        func store(_ j: Int, _ p: V, _ q: V) {
                            let out = destination + j * positionStride + tx
                            Lanes.store(p, out, count: count)
                            Lanes.store(p + q, out + 4 * positionStride, count: count)
                            Lanes.store(p - q, out + 8 * positionStride, count: count)
                            Lanes.store(-q, out + 12 * positionStride, count: count)
                        }
                        store(0, upper.0, lower.0)
                        store(1, upper.1, lower.1)
                        store(2, upper.2, lower.2)
                        store(3, upper.3, lower.3)
                    }
                }
            }
        }
    }

    /// Vector loads and stores of a run of `count` tiles, `count` at most the lane count; a
    /// short run goes lane by lane.
    enum Lanes {
        @inline(__always)
        static func load<V: SIMD>(_ p: UnsafePointer<Float>, count: Int) -> V where V.Scalar == Float {
            if count == V.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
            var v = V()
            for i in 0..<count { v[i] = p[i] }
            return v
        }

        @inline(__always)
        static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>, count: Int) where V.Scalar == Float {
            if count == V.scalarCount {
                UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
                return
            }
            for i in 0..<count { p[i] = v[i] }
        }

        /// The even and the odd elements of `2 · count` consecutive floats.
        @inline(__always)
        static func loadPairs<V: SIMD>(_ p: UnsafePointer<Float>, count: Int) -> (V, V) where V.Scalar == Float {
            let low: V = load(p, count: min(count * 2, V.scalarCount))
            let high: V = count * 2 > V.scalarCount ? load(p + V.scalarCount, count: count * 2 - V.scalarCount) : V()
            var even = V(), odd = V()
            let half = V.scalarCount / 2
            for k in 0..<half {
                even[k] = low[2 * k]
                odd[k] = low[2 * k + 1]
                even[half + k] = high[2 * k]
                odd[half + k] = high[2 * k + 1]
            }
            return (even, odd)
        }

        /// Stores `even` and `odd` interleaved: `p[2k] = even[k]`, `p[2k + 1] = odd[k]`.
        @inline(__always)
        static func storePairs<V: SIMD>(_ even: V, _ odd: V, _ p: UnsafeMutablePointer<Float>, count: Int) where V.Scalar == Float {
            var low = V(), high = V()
            let half = V.scalarCount / 2
            for k in 0..<half {
                low[2 * k] = even[k]
                low[2 * k + 1] = odd[k]
                high[2 * k] = even[half + k]
                high[2 * k + 1] = odd[half + k]
            }
            store(low, p, count: min(count * 2, V.scalarCount))
            if count * 2 > V.scalarCount { store(high, p + V.scalarCount, count: count * 2 - V.scalarCount) }
        }
    }
}
