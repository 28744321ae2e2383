extension PolyphaseWinograd {
    /// The per-core partial sums of a kernel gradient, `dw = Kᵀ (Σ_tiles D[ξ]ᵀ V[ξ])`, with `D`
    /// the small side's transform (`A ȳ Aᵀ`) and `V` the large side's: summed over the batch in
    /// the transformed domain, then through the adjoint of the kernel transform; or, where those
    /// sums would be large, kept in the kernel domain, each group's products going through the
    /// adjoint as they are made, a block of rows at a time.
    ///
    /// The transformed domain holds `25 · 4C'` values per kernel where the kernel has `16 · C`: on
    /// the DCGAN decoder's 256-to-128 layer, 12.5 MiB of sums per core for a 2 MiB gradient, held
    /// together with the group buffers and the packed kernels of the same pass. In the kernel
    /// domain each core holds its sums `[O, 16, C']` (a tap's channels in whole vectors) and one
    /// block of rows' products `[25, rows, 4C']`: `wrn-step --decode-mixed`'s peak memory went
    /// from 567 to 551 MiB, its step time the same. The adjoint per group costs time where the
    /// groups are small, so smaller sums stay in the transformed domain: on the MNIST VAE (0.8 MiB
    /// of sums per core), `mnist-step` took 13.0 / 15.7 / 15.2 / 18.9 ms with every layer in the
    /// kernel domain against 11.6 / 12.1 / 17.0 / 13.9 ms, alternating.
    ///
    /// Along each axis, the adjoint gives taps 0 and 2 from the odd phase's five values and taps
    /// 1 and 3 from the even one's by `Gᵀ` (``PhaseTiles/kernelAdjoint(_:_:_:_:_:)``), so position
    /// `ξ = (α, β)` of phase `(r, s)` adds `G[α, i] G[β, j] dU[ξ]` to tap `(2i + r, 2j + s)`.
    struct KernelGradientSums {
        /// Transformed sums of at least this many bytes per core are kept in the kernel domain.
        static let kernelDomainBytes = 4 << 20

        /// The small side's channels `O`: the rows of the products.
        let smallChannels: Int
        /// The large side's channels `C`.
        let largeChannels: Int
        private var domain: Domain

        private enum Domain {
            /// `[25, O, 4C']` per core.
            case transformed(ChannelsLast.KernelGradientSums)
            /// `[O, 16, C']` per core, and each core's products of one block of `rowBlock` rows,
            /// `[25, rowBlock, 4C']`.
            case kernels(sums: Convolution.Partials, products: Convolution.Workspace, rowBlock: Int)
        }

        /// The adjoint's terms that are not zero: position `ξ = (α, β)` adds `coefficient = G[α,
        /// i] G[β, j]` times its value to tap `(row + r, column + s)` for phase `(r, s)`, `row =
        /// 2i` and `column = 2j`, with `G` the kernel transform's matrix
        /// (``PhaseTiles/kernelTransform(_:_:)``).
        static let adjointTerms: [(position: Int, coefficient: Float, row: Int, column: Int)] = {
            let g = PhaseTiles.kernelTransform(SIMD2<Float>(1, 0), SIMD2<Float>(0, 1))
            var terms: [(position: Int, coefficient: Float, row: Int, column: Int)] = []
            for alpha in 0..<5 {
                for beta in 0..<5 {
                    for i in 0..<2 where g[alpha][i] != 0 {
                        for j in 0..<2 where g[beta][j] != 0 {
                            terms.append((5 * alpha + beta, g[alpha][i] * g[beta][j], 2 * i, 2 * j))
                        }
                    }
                }
            }
            return terms
        }()

        /// Zeroed sums for each core, in the kernel domain if `inKernelDomain` says so, or by
        /// default when the transformed sums would take at least ``kernelDomainBytes`` a core.
        init(smallChannels: Int, largeChannels: Int, inKernelDomain: Bool? = nil) {
            (self.smallChannels, self.largeChannels) = (smallChannels, largeChannels)
            let padded = PhaseTiles.paddedChannels(largeChannels)
            let depth = 4 * padded
            let transformedBytes = PhaseTiles.positions * smallChannels * depth * MemoryLayout<Float>.stride
            guard inKernelDomain ?? (transformedBytes >= Self.kernelDomainBytes) else {
                domain = .transformed(ChannelsLast.KernelGradientSums(positions: PhaseTiles.positions, rows: smallChannels,
                                                                      depth: depth))
                return
            }
            // Blocks of whole register blocks of the products' rows, about 32 rows.
            let blockRows = Kernels.blockRows(InstructionSet.current)
            let rowBlock = min(smallChannels, blockRows * max(1, 32 / blockRows))
            domain = .kernels(sums: Convolution.Partials(count: smallChannels * 16 * padded),
                              products: Convolution.Workspace(rows: PhaseTiles.positions * rowBlock, columns: depth,
                                                              matrices: 1),
                              rowBlock: rowBlock)
        }

        /// Whether the sums are kept in the kernel domain.
        var inKernelDomain: Bool {
            if case .kernels = domain { return true }
            return false
        }

        /// Adds one group's products to core `worker`'s sums, `dw += Kᵀ (D[ξ]ᵀ V[ξ])`: `d` holds
        /// the small side's transform (`O` columns), `v` the large side's (`4C'` columns).
        func add(worker: Int, transformedGradient d: ChannelsLast.Transformed, transformedInput v: ChannelsLast.Transformed,
                 tiles: Int) {
            switch domain {
            case .transformed(let sums):
                sums.add(worker: worker, transformedGradient: d, transformedInput: v, tiles: tiles)
            case .kernels(let partials, let products, let rowBlock):
                typealias Channels = ChannelsLast.Channels
                let padded = PhaseTiles.paddedChannels(largeChannels)
                let depth = 4 * padded
                let (sums, product) = (partials.sums(worker), products.first(worker))
                for r0 in Swift.stride(from: 0, to: smallChannels, by: rowBlock) {
                    let rows = min(rowBlock, smallChannels - r0)
                    for xi in 0..<PhaseTiles.positions {
                        Kernels.gemm(transposeA: true, m: rows, n: depth, k: tiles, a: d.position(xi) + r0,
                                     lda: d.layout.rowStride, b: v.position(xi), ldb: v.layout.rowStride,
                                     c: product + xi * rows * depth, ldc: depth)
                    }
                    for o in 0..<rows {
                        let taps = UnsafeMutableRawPointer(sums + (r0 + o) * 16 * padded)
                        for term in Self.adjointTerms {
                            let row = UnsafeRawPointer(product + (term.position * rows + o) * depth)
                            let coefficient = Channels(repeating: term.coefficient)
                            for phase in 0..<4 {
                                let tap = (term.row + phase / 2) * 4 + term.column + phase % 2
                                let (source, destination) = (row + 4 * phase * padded, taps + 4 * tap * padded)
                                for c in Swift.stride(from: 0, to: 4 * padded, by: ChannelsLast.vectorBytes) {
                                    let sum = destination.loadUnaligned(fromByteOffset: c, as: Channels.self)
                                        + coefficient * source.loadUnaligned(fromByteOffset: c, as: Channels.self)
                                    destination.storeBytes(of: sum, toByteOffset: c, as: Channels.self)
                                }
                            }
                        }
                    }
                }
            }
        }

        /// The kernel gradient `[O, C, 4, 4]`: the cores' sums added up, through the adjoint of
        /// the kernel transform if they are transformed, and laid out by kernel. The partial sums
        /// are spent.
        mutating func total() -> Tensor {
            let padded = PhaseTiles.paddedChannels(largeChannels)
            switch domain {
            case .transformed(var transformed):
                let du = transformed.total()
                return withExtendedLifetime(du) {
                    kernelsFromTransforms(du.pointer, smallChannels: smallChannels, largeChannels: largeChannels)
                }
            case .kernels(var partials, _, _):
                let sums = partials.total(shape: [smallChannels, 16, padded])
                var result = Tensor(uninitializedShape: [smallChannels, largeChannels, 4, 4])
                let (source, destination) = (sums.pointer, result.mutablePointer)
                let channels = largeChannels
                Parallel.forEach(smallChannels, grain: 16) { rows in
                    for o in rows {
                        for c in 0..<channels {
                            for tap in 0..<16 {
                                destination[(o * channels + c) * 16 + tap] = source[(o * 16 + tap) * padded + c]
                            }
                        }
                    }
                }
                return withExtendedLifetime(sums) { result }
            }
        }
    }
}
