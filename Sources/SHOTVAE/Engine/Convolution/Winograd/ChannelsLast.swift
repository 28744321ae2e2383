import CSHOTVAEKernels

/// The channels-last scratch images and the transformed-data layout shared by the two Winograd
/// forms (``Winograd`` and ``PolyphaseWinograd``).
///
/// Their transforms work on a channels-last copy of each image, `[rows, rowLength,
/// paddedChannels]`, so that every value of a tile is one contiguous load or store of eight
/// channels at a time, whatever the size of the map; their transformed data is a matrix per
/// position of the transform, a row per tile and a column per (padded) channel. The two forms
/// also share their output side's tiles and transforms (``OutputTiles``) and the products in
/// the Winograd domain (``multiply(_:byPackedKernels:positions:tiles:columns:depth:into:)``).
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

    /// A group's transformed data in a core's buffer, laid out by `layout`.
    struct Transformed {
        let data: UnsafeMutablePointer<Float>
        let layout: Layout

        /// The matrix of position `xi`, a row per tile.
        func position(_ xi: Int) -> UnsafeMutablePointer<Float> { data + xi * layout.positionStride }
    }

    /// Stores four, five or six vectors `stride` bytes apart from `base`, unrolled, so that the
    /// values of a transform's result stay in registers (a loop over the array's elements keeps
    /// it on the stack).
    @inline(__always)
    static func store(_ values: [4 of Channels], at base: UnsafeMutableRawPointer, stride: Int) {
        base.storeBytes(of: values[0], as: Channels.self)
        (base + stride).storeBytes(of: values[1], as: Channels.self)
        (base + 2 * stride).storeBytes(of: values[2], as: Channels.self)
        (base + 3 * stride).storeBytes(of: values[3], as: Channels.self)
    }

    @inline(__always)
    static func store(_ values: [5 of Channels], at base: UnsafeMutableRawPointer, stride: Int) {
        base.storeBytes(of: values[0], as: Channels.self)
        (base + stride).storeBytes(of: values[1], as: Channels.self)
        (base + 2 * stride).storeBytes(of: values[2], as: Channels.self)
        (base + 3 * stride).storeBytes(of: values[3], as: Channels.self)
        (base + 4 * stride).storeBytes(of: values[4], as: Channels.self)
    }

    @inline(__always)
    static func store(_ values: [6 of Channels], at base: UnsafeMutableRawPointer, stride: Int) {
        base.storeBytes(of: values[0], as: Channels.self)
        (base + stride).storeBytes(of: values[1], as: Channels.self)
        (base + 2 * stride).storeBytes(of: values[2], as: Channels.self)
        (base + 3 * stride).storeBytes(of: values[3], as: Channels.self)
        (base + 4 * stride).storeBytes(of: values[4], as: Channels.self)
        (base + 5 * stride).storeBytes(of: values[5], as: Channels.self)
    }

    /// Stores a column of four output values `stride` bytes apart from `base`, each plus `shift`
    /// (a bias) and then through `max(0, ·)` if `rectifies`, while they are in registers.
    @inline(__always)
    static func storeOutputs(
        _ values: [4 of Channels], shift: Channels, rectifies: Bool, at base: UnsafeMutableRawPointer, stride: Int
    ) {
        let zero = Channels()
        @inline(__always) func put(_ i: Int) {
            let biased = values[i] + shift
            let result = rectifies ? biased.replacing(with: zero, where: biased .< zero) : biased
            (base + i * stride).storeBytes(of: result, as: Channels.self)
        }
        put(0); put(1); put(2); put(3)
    }

    /// Bytes of one vector of channels.
    static let vectorBytes = 4 * Channels.scalarCount

    /// The transformed data of one group aims at this many floats (640 KB, within the L2 cache).
    static let groupFloats = 160_000
    /// A group's products aim at this many tiles (rows) at least. Smaller groups keep more of
    /// their transforms in cache and let a core that is free claim the next one sooner: at
    /// batch 1,000, the MNIST encoder ran at 19,700 images/s with groups of 48 tiles, against
    /// 16,900 with 128 (alternating passes in one process), and the training step took 49.8 ms
    /// against 51.3.
    static let groupTiles = 48

    /// One group of images and the buffers of the core that transforms it: the transformed data
    /// of the convolution's two sides (`first`: the side the input transform reads, the input of
    /// ``Winograd`` or the large side of ``PolyphaseWinograd``; `second`: the other) and the
    /// transforms' scratch.
    struct Group {
        let images: Range<Int>
        let tiles: Int
        let first: Transformed
        let second: Transformed
        let scratch: UnsafeMutablePointer<Float>
        /// A third buffer laid out as `second`, when asked for: the output gradient's transform
        /// while `second` holds products.
        let gradient: Transformed?
    }

    /// The per-core partial sums of a kernel gradient in the Winograd domain, `dU[ξ] = Σ_tiles
    /// D[ξ]ᵀ V[ξ]` with `D` the output gradient's transform and `V` the input's: `[positions,
    /// rows, depth]` for each core, each zeroed by its own core.
    struct KernelGradientSums {
        let positions: Int
        let rows: Int
        let depth: Int
        private var partials: Convolution.Partials

        init(positions: Int, rows: Int, depth: Int) {
            (self.positions, self.rows, self.depth) = (positions, rows, depth)
            partials = Convolution.Partials(count: positions * rows * depth)
        }

        /// Adds one group's products to core `worker`'s partial sums, `dU[ξ] += D[ξ]ᵀ V[ξ]`: `d`
        /// holds the output gradient's transform (`rows` columns), `v` the input's (`depth`
        /// columns).
        func add(worker: Int, transformedGradient d: Transformed, transformedInput v: Transformed, tiles: Int) {
            for xi in 0..<positions {
                Kernels.gemm(transposeA: true, m: rows, n: depth, k: tiles,
                                 a: d.position(xi), lda: d.layout.rowStride, b: v.position(xi), ldb: v.layout.rowStride,
                                 c: partials.sums(worker) + xi * rows * depth, ldc: depth, accumulates: true)
            }
        }

        /// The partial sums added up: `dU` `[positions, rows, depth]`. The partial sums are spent.
        mutating func total() -> Tensor {
            partials.total(shape: [positions, rows, depth])
        }
    }

    /// Cuts the batch into groups of images whose transformed data (`positions` matrices of a row
    /// per tile on each side, rows of `rowLengths` floats) takes about ``groupFloats``, but at
    /// least ``groupTiles`` tiles and one group per core, their tiles in whole blocks of the
    /// products' rows where the batch allows (``Convolution/Groups``), and hands the groups to
    /// the cores as `sharing` says, each with its core's buffers and `scratchFloats` floats of
    /// scratch (and a third transformed buffer with `gradientBuffer`).
    static func forEachGroup(
        batch: Int, tilesPerImage: Int, positions: Int, rowLengths: (first: Int, second: Int), scratchFloats: Int,
        sharing: Convolution.Sharing, gradientBuffer: Bool = false, _ body: (_ worker: Int, _ group: Group) -> Void
    ) {
        let perImage = positions * (rowLengths.first + rowLengths.second) * tilesPerImage
        let byCache = groupFloats / perImage
        let byWidth = (groupTiles + tilesPerImage - 1) / tilesPerImage
        let size = max(1, min(max(byCache, byWidth), batch / Parallel.coreCount))
        // Groups of whole blocks of the products' rows: tiles a multiple of `rows`.
        let rows = Kernels.blockRows(InstructionSet.current)
        let groups = Convolution.Groups(batch: batch, size: size, alignment: rows / gcd(rows, tilesPerImage))
        let largest = groups.largest * tilesPerImage
        let first = Layout(positions: positions, rows: largest, rowLength: rowLengths.first)
        let second = Layout(positions: positions, rows: largest, rowLength: rowLengths.second)
        let workspace = Convolution.Workspace(rows: 1, columns: max(first.size, second.size, scratchFloats),
                                              matrices: gradientBuffer ? 4 : 3)
        Convolution.forEachGroup(groups, sharing: sharing) { worker, images in
            // A group's work besides its products is its transforms and channels-last copies.
            PhaseClock.measure(.transforms) {
                body(worker, Group(images: images, tiles: images.count * tilesPerImage,
                                   first: Transformed(data: workspace.first(worker), layout: first),
                                   second: Transformed(data: workspace.second(worker), layout: second),
                                   scratch: workspace.third(worker),
                                   gradient: gradientBuffer ? Transformed(data: workspace.matrix(worker, 3), layout: second) : nil))
            }
        }
    }

    /// A per-channel affine map and leaky rectifier, `leakyReLU(scale[c] · x + shift[c])` (a batch
    /// norm and its activation), applied to an image as it is copied channels-last, so that the
    /// activation is never written out as a map of its own.
    struct Activation {
        let scale: UnsafePointer<Float>
        let shift: UnsafePointer<Float>
        let negativeSlope: Float

        /// The activation of four pixels of `channel`.
        @inline(__always)
        func callAsFunction(_ x: SIMD4<Float>, channel: Int) -> SIMD4<Float> {
            let z = x * scale[channel] + shift[channel]
            return z.replacing(with: z * negativeSlope, where: z .< SIMD4<Float>())
        }

        /// The activation of one value of `channel`.
        @inline(__always)
        func callAsFunction(_ x: Float, channel: Int) -> Float {
            let z = x * scale[channel] + shift[channel]
            return z > 0 ? z : z * negativeSlope
        }
    }

    /// `image` `[channels, height, width]` copied into `padded` `[rows, rowLength, paddedChannels]`
    /// at row and column `border` (through `activation` if given), zeros everywhere else: what
    /// every input-side transform reads.
    static func copyIn(
        _ image: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int,
        rows: Int, rowLength: Int, border: Int, activation: Activation? = nil
    ) {
        clearOutside(padded, channels: channels, height: height, width: width, rows: rows, rowLength: rowLength,
                     border: border)
        copy(image: UnsafeMutablePointer(mutating: image), padded: padded, toChannelsLast: true, channels: channels,
             height: height, width: width, rowLength: rowLength, border: border, activation: activation)
    }

    /// Zeros what a copy into `padded` `[rows, rowLength, paddedChannels]` does not write: the
    /// border around the image's `height x width` pixels (`border` rows and columns before them,
    /// the rest after), and the padding channels if there are any (then the whole buffer).
    static func clearOutside(
        _ padded: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int,
        rows: Int, rowLength: Int, border: Int
    ) {
        let cp = paddedChannels(channels)
        if cp != channels {
            Kernels.fill(padded, with: 0, count: rows * rowLength * cp)
            return
        }
        let rowFloats = rowLength * cp
        Kernels.fill(padded, with: 0, count: border * rowFloats)
        Kernels.fill(padded + (border + height) * rowFloats, with: 0, count: (rows - border - height) * rowFloats)
        let after = rowLength - border - width
        for y in border..<(border + height) {
            let row = padded + y * rowFloats
            Kernels.fill(row, with: 0, count: border * cp)
            Kernels.fill(row + (border + width) * cp, with: 0, count: after * cp)
        }
    }

    /// Copies between `image` `[channels, height, width]` and `padded` `[·, rowLength,
    /// paddedChannels]`, whose pixel `(y, x)` is at row `y + border` and column `x + border`:
    /// into `padded` when `toChannelsLast` (through `activation` if given), back into `image`
    /// otherwise. With AVX2, eight channels by eight pixels at a time in C; in portable code
    /// four by four: a 4x4 block is four rows of one side, transposed into four rows of the other.
    static func copy(
        image: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>, toChannelsLast: Bool,
        channels: Int, height: Int, width: Int, rowLength: Int, border: Int, activation: Activation? = nil
    ) {
        if InstructionSet.current >= .avx2 {
            // Eight channels by eight pixels at a time, in C (`channels_last.c`).
            shotvae_channels_last_copy(
                InstructionSet.current.isa, image, padded, toChannelsLast, channels, height, width, rowLength, border,
                paddedChannels(channels), activation?.scale, activation?.shift, activation?.negativeSlope ?? 0)
            return
        }
        if let activation {
            precondition(toChannelsLast, "An activation applies only on the way into the channels-last copy.")
            copy(image: image, padded: padded, toChannelsLast: true, channels: channels, height: height, width: width,
                 rowLength: rowLength, border: border, map: activation.callAsFunction, scalarMap: activation.callAsFunction)
        } else {
            copy(image: image, padded: padded, toChannelsLast: toChannelsLast, channels: channels, height: height,
                 width: width, rowLength: rowLength, border: border, map: { x, _ in x }, scalarMap: { x, _ in x })
        }
    }

    /// ``copy(image:padded:toChannelsLast:channels:height:width:rowLength:border:activation:)``
    /// with `map` applied to each value read, given its channel when copying channels-last.
    @inline(__always)
    private static func copy(
        image: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>, toChannelsLast: Bool,
        channels: Int, height: Int, width: Int, rowLength: Int, border: Int,
        map: (SIMD4<Float>, Int) -> SIMD4<Float>, scalarMap: (Float, Int) -> Float
    ) {
        let cp = paddedChannels(channels)
        let pixels = height * width
        let wholeBlocks = channels / 4 * 4
        let wholeWidth = width / 4 * 4
        // Channels first, a block's rows are its channels (`pixels` apart); channels last, its pixels (`cp` apart).
        let (fromStride, toStride) = toChannelsLast ? (pixels, cp) : (cp, pixels)
        @inline(__always) func move(_ first: UnsafeMutablePointer<Float>, _ last: UnsafeMutablePointer<Float>, _ c: Int) {
            if toChannelsLast { last.pointee = scalarMap(first.pointee, c) } else { first.pointee = last.pointee }
        }
        // Four channel planes at a time, each read (or written) from start to end: four streams
        // that the hardware prefetches, where rows across all the planes would be one short
        // stream per plane.
        for c in Swift.stride(from: 0, to: wholeBlocks, by: 4) {
            for y in 0..<height {
                let first = image + y * width
                let last = padded + ((y + border) * rowLength + border) * cp
                for x in Swift.stride(from: 0, to: wholeWidth, by: 4) {
                    let (source, destination) = toChannelsLast
                        ? (first + c * pixels + x, last + x * cp + c) : (last + x * cp + c, first + c * pixels + x)
                    @inline(__always) func load(_ k: Int) -> SIMD4<Float> {
                        let value = UnsafeRawPointer(source + k * fromStride).loadUnaligned(as: SIMD4<Float>.self)
                        return toChannelsLast ? map(value, c + k) : value
                    }
                    let (a, b, c2, d) = transpose(load(0), load(1), load(2), load(3))
                    @inline(__always) func store(_ k: Int, _ value: SIMD4<Float>) {
                        UnsafeMutableRawPointer(destination + k * toStride).storeBytes(of: value, as: SIMD4<Float>.self)
                    }
                    store(0, a); store(1, b); store(2, c2); store(3, d)
                }
                for x in wholeWidth..<width {
                    for k in 0..<4 { move(first + (c + k) * pixels + x, last + x * cp + c + k, c + k) }
                }
            }
        }
        for c in wholeBlocks..<channels {
            for y in 0..<height {
                let first = image + y * width
                let last = padded + ((y + border) * rowLength + border) * cp
                for x in 0..<width { move(first + c * pixels + x, last + x * cp + c, c) }
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

/// The greatest common divisor of two positive integers.
private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
