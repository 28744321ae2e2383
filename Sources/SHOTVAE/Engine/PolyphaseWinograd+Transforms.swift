extension PolyphaseWinograd.PhaseTiles {
    /// Vectors of eight channels (the transforms work on channels-last copies, ``ChannelsLast``).
    typealias Channels = ChannelsLast.Channels

    /// The channel count rounded up to whole vectors; the padding channels hold zeros.
    static func paddedChannels(_ channels: Int) -> Int { ChannelsLast.paddedChannels(channels) }

    /// Floats of the scratch of the large side's transforms: a channels-last copy of one image
    /// with a one-pixel zero border, `[height + 2, width + 2, paddedChannels]`, then the 36
    /// vectors of one tile.
    func largeScratchSize(channels: Int) -> Int {
        (height + 2) * (width + 2) * Self.paddedChannels(channels) + 36 * Channels.scalarCount
    }

    /// Floats of the scratch of the small side's transforms: a channels-last copy of one image,
    /// `[height / 2, width / 2, paddedChannels]`, then the bias padded to whole vectors.
    func smallScratchSize(channels: Int) -> Int {
        (height / 2 * width / 2 + 1) * Self.paddedChannels(channels)
    }

    /// `V = T d Tᵀ` for the 6x6 patch `d` of every tile of one image `[channels, height,
    /// width]` (zeros outside the image), into the tiles' rows of `v`: row `firstTile + ty ·
    /// tilesWide + tx` of position `ξ` holds `phase · paddedChannels + channel`.
    ///
    /// The image is first copied channels-last inside a zero border (`scratch`); then for each
    /// tile and each eight channels, `T` along each patch row one output column at a time, and
    /// `T` down the rows.
    func transformInput(
        _ image: UnsafePointer<Float>, channels: Int, into v: UnsafeMutablePointer<Float>,
        firstTile: Int, layout: ChannelsLast.Layout, scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = Self.paddedChannels(channels)
        let pw = width + 2
        ChannelsLast.clearOutside(scratch, channels: channels, height: height, width: width,
                                  rows: height + 2, rowLength: pw, border: 1)
        ChannelsLast.copy(image: UnsafeMutablePointer(mutating: image), padded: scratch, toChannelsLast: true,
                          channels: channels, height: height, width: width, rowLength: pw, border: 1)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let origin = UnsafeRawPointer(scratch + (4 * ty * pw + 4 * tx) * cp)
                let row = v + (firstTile + ty * tilesWide + tx) * layout.rowStride
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    @inline(__always) func p(_ t: Int, _ s: Int) -> Channels {
                        origin.loadUnaligned(fromByteOffset: 4 * ((t * pw + s) * cp + c0), as: Channels.self)
                    }
                    // Column b of T along patch row t.
                    @inline(__always) func along(_ t: Int, _ b: Int) -> Channels {
                        switch b {
                        case 0: return p(t, 0) - p(t, 2)
                        case 1: return p(t, 2)
                        case 2: return p(t, 4) - p(t, 2)
                        case 3: return p(t, 1) - p(t, 3)
                        case 4: return p(t, 3)
                        default: return p(t, 5) - p(t, 3)
                        }
                    }
                    @inline(__always) func column(_ b: Int) {
                        let (r0, r1, r2, r3, r4, r5) = (along(0, b), along(1, b), along(2, b),
                                                        along(3, b), along(4, b), along(5, b))
                        let destination = UnsafeMutableRawPointer(row + c0)
                        @inline(__always) func put(_ a: Int, _ value: Channels) {
                            let xi = 3 * (a % 3) + b % 3, phase = 2 * (a / 3) + b / 3
                            destination.storeBytes(of: value, toByteOffset: 4 * (xi * layout.positionStride + phase * cp),
                                                   as: Channels.self)
                        }
                        // T down the rows.
                        put(0, r0 - r2); put(1, r2); put(2, r4 - r2)
                        put(3, r1 - r3); put(4, r3); put(5, r5 - r3)
                    }
                    column(0); column(1); column(2); column(3); column(4); column(5)
                }
            }
        }
    }

    /// The adjoint of ``transformInput(_:channels:into:firstTile:layout:scratch:)``: every tile's
    /// 36 values of every channel added back onto its 6x6 patch (neighbouring patches overlap by
    /// two rows or columns), giving the image `[channels, height, width]`. Along each axis,
    /// `Tᵀ(v) = (v0, v3, v1 - v0 - v2, v4 - v3 - v5, v2, v5)`: first down the rows, into the 36
    /// vectors after the image in `scratch`, then along each patch row onto the channels-last
    /// image, which is copied back to channels first at the end.
    func transformInputAdjoint(
        _ v: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: ChannelsLast.Layout,
        into image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = Self.paddedChannels(channels)
        let pw = width + 2
        let imageFloats = (height + 2) * pw * cp
        Kernels.fill(scratch, with: 0, count: imageFloats)
        let rows = UnsafeMutableRawPointer(scratch + imageFloats)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let origin = UnsafeMutableRawPointer(scratch + (4 * ty * pw + 4 * tx) * cp)
                let row = UnsafeRawPointer(v + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    // Tᵀ down the rows, column b of the row transform at a time: `rows[t][b]`.
                    @inline(__always) func column(_ b: Int) {
                        @inline(__always) func take(_ a: Int) -> Channels {
                            let xi = 3 * (a % 3) + b % 3, phase = 2 * (a / 3) + b / 3
                            return row.loadUnaligned(fromByteOffset: 4 * (xi * layout.positionStride + phase * cp + c0),
                                                     as: Channels.self)
                        }
                        let (u0, u1, u2, u3, u4, u5) = (take(0), take(1), take(2), take(3), take(4), take(5))
                        @inline(__always) func set(_ t: Int, _ value: Channels) {
                            rows.storeBytes(of: value, toByteOffset: 4 * (t * 6 + b) * Channels.scalarCount, as: Channels.self)
                        }
                        set(0, u0); set(1, u3); set(2, u1 - u0 - u2); set(3, u4 - u3 - u5); set(4, u2); set(5, u5)
                    }
                    column(0); column(1); column(2); column(3); column(4); column(5)
                    // Tᵀ along each patch row, added onto the image.
                    for t in 0..<6 {
                        @inline(__always) func q(_ b: Int) -> Channels {
                            rows.loadUnaligned(fromByteOffset: 4 * (t * 6 + b) * Channels.scalarCount, as: Channels.self)
                        }
                        let (q0, q1, q2, q3, q4, q5) = (q(0), q(1), q(2), q(3), q(4), q(5))
                        @inline(__always) func add(_ s: Int, _ value: Channels) {
                            let offset = 4 * ((t * pw + s) * cp + c0)
                            origin.storeBytes(of: origin.loadUnaligned(fromByteOffset: offset, as: Channels.self) + value,
                                              toByteOffset: offset, as: Channels.self)
                        }
                        add(0, q0); add(1, q3); add(2, q1 - q0 - q2); add(3, q4 - q3 - q5); add(4, q2); add(5, q5)
                    }
                }
            }
        }
        ChannelsLast.copy(image: image, padded: scratch, toChannelsLast: false,
                          channels: channels, height: height, width: width, rowLength: pw, border: 1)
    }

    // MARK: - The small side

    /// `Y = Aᵀ M A` for every tile of one image, `m` `[9, tiles, paddedChannels]`, plus `bias[c]`
    /// and then the rectifier `max(0, ·)` if asked, while the outputs are in registers; written
    /// channels-last into `scratch` (`[height / 2, width / 2, paddedChannels]`, then the padded
    /// bias), then copied into `y` `[channels, height / 2, width / 2]`.
    func transformOutput(
        _ m: UnsafePointer<Float>, channels: Int, firstTile: Int, layout: ChannelsLast.Layout, into y: UnsafeMutablePointer<Float>,
        bias: UnsafePointer<Float>?, rectifies: Bool, scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = Self.paddedChannels(channels)
        let (h, w) = (height / 2, width / 2)
        let shifts = scratch + h * w * cp
        Kernels.fill(shifts, with: 0, count: cp)
        if let bias { shifts.update(from: bias, count: channels) }
        let zero = Channels()
        let out = UnsafeMutableRawPointer(scratch)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let row = UnsafeRawPointer(m + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    @inline(__always) func at(_ xi: Int) -> Channels {
                        row.loadUnaligned(fromByteOffset: 4 * (xi * layout.positionStride + c0), as: Channels.self)
                    }
                    let shift = UnsafeRawPointer(shifts + c0).loadUnaligned(as: Channels.self)
                    @inline(__always) func put(_ i: Int, _ j: Int, _ value: Channels) {
                        let biased = value + shift
                        let result = rectifies ? biased.replacing(with: zero, where: biased .< zero) : biased
                        out.storeBytes(of: result, toByteOffset: 4 * (((2 * ty + i) * w + 2 * tx + j) * cp + c0),
                                       as: Channels.self)
                    }
                    // M A: each row's (m0 + m1, m1 + m2); then Aᵀ down the rows.
                    let (m1, m4, m7) = (at(1), at(4), at(7))
                    let (l0, r0) = (at(0) + m1, m1 + at(2))
                    let (l1, r1) = (at(3) + m4, m4 + at(5))
                    let (l2, r2) = (at(6) + m7, m7 + at(8))
                    put(0, 0, l0 + l1); put(0, 1, r0 + r1); put(1, 0, l1 + l2); put(1, 1, r1 + r2)
                }
            }
        }
        ChannelsLast.copy(image: y, padded: scratch, toChannelsLast: false, channels: channels, height: h, width: w,
                          rowLength: w, border: 0)
    }

    /// `D = A ȳ Aᵀ` for every 2x2 tile `ȳ` of one image's small side `dy` `[channels, height / 2,
    /// width / 2]`, into the tiles' rows of `d` `[9, tiles, paddedChannels]`. Along each axis,
    /// `A (y0, y1) = (y0, y0 + y1, y1)`. `dy` is first copied channels-last into `scratch`.
    func transformGradient(
        _ dy: UnsafePointer<Float>, channels: Int, into d: UnsafeMutablePointer<Float>, firstTile: Int, layout: ChannelsLast.Layout,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let cp = Self.paddedChannels(channels)
        let (h, w) = (height / 2, width / 2)
        ChannelsLast.clearOutside(scratch, channels: channels, height: h, width: w, rows: h, rowLength: w, border: 0)
        ChannelsLast.copy(image: UnsafeMutablePointer(mutating: dy), padded: scratch, toChannelsLast: true,
                          channels: channels, height: h, width: w, rowLength: w, border: 0)
        let source = UnsafeRawPointer(scratch)
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let row = UnsafeMutableRawPointer(d + (firstTile + ty * tilesWide + tx) * layout.rowStride)
                for c0 in Swift.stride(from: 0, to: cp, by: Channels.scalarCount) {
                    @inline(__always) func at(_ i: Int, _ j: Int) -> Channels {
                        source.loadUnaligned(fromByteOffset: 4 * (((2 * ty + i) * w + 2 * tx + j) * cp + c0), as: Channels.self)
                    }
                    let (y00, y01, y10, y11) = (at(0, 0), at(0, 1), at(1, 0), at(1, 1))
                    @inline(__always) func put(_ a: Int, _ e: Channels, _ f: Channels) {
                        @inline(__always) func store(_ xi: Int, _ value: Channels) {
                            row.storeBytes(of: value, toByteOffset: 4 * (xi * layout.positionStride + c0), as: Channels.self)
                        }
                        store(3 * a, e); store(3 * a + 1, e + f); store(3 * a + 2, f)
                    }
                    put(0, y00, y01)
                    put(1, y00 + y10, y01 + y11)
                    put(2, y10, y11)
                }
            }
        }
    }
}
