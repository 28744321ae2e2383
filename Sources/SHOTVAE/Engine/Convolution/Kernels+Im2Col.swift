#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Kernels {
    /// Unfolds one image `[channels, height, width]` into its patch matrix: row
    /// `(c * kernelHeight + ky) * kernelWidth + kx`, column `oy * outputWidth + ox` holds
    /// `image[c, oy * stride - padding + ky, ox * stride - padding + kx]` (0 outside).
    ///
    /// - Parameters:
    ///   - rowStride: The distance between rows of `columns`, at least `outputPixels`; a
    ///     larger stride places several images side by side in one matrix.
    ///   - channels: The range of channels to unfold (for splitting the work).
    static func im2col(
        _ image: UnsafePointer<Float>, _ g: ConvolutionGeometry,
        into columns: UnsafeMutablePointer<Float>, rowStride: Int, channels: Range<Int>
    ) {
        PhaseClock.measure(.transforms) {
            if g.preservesSize {
                shiftedIm2col(image, g, into: columns, rowStride: rowStride, channels: channels)
                return
            }
            if g.stride > 1 {
                stridedIm2col(image, g, into: columns, rowStride: rowStride, channels: channels)
                return
            }
            let outH = g.outputHeight
            let outW = g.outputWidth
            for c in channels {
                let plane = image + c * g.inputPixels
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let row = (c * g.kernelHeight + ky) * g.kernelWidth + kx
                        let destination = columns + row * rowStride
                        // Output columns whose input column lies inside the image.
                        let first = min(outW, max(0, (g.padding - kx + g.stride - 1) / g.stride))
                        let last = min(outW, max(first, (g.width + g.padding - kx + g.stride - 1) / g.stride))
                        for oy in 0..<outH {
                            let out = destination + oy * outW
                            let iy = oy * g.stride - g.padding + ky
                            if iy < 0 || iy >= g.height {
                                fill(out, with: 0, count: outW)
                                continue
                            }
                            let source = plane + iy * g.width - g.padding + kx
                            if first > 0 { fill(out, with: 0, count: first) }
                            copy(source + first, to: out + first, count: last - first)
                            if last < outW { fill(out + last, with: 0, count: outW - last) }
                        }
                    }
                }
            }
        }
    }

    /// Folds a patch matrix back onto an image, adding every entry to the pixel it was read
    /// from: the adjoint of ``im2col(_:_:into:rowStride:channels:)``. `image` is accumulated
    /// into, not overwritten. Entries of `columns` that fall in the padding (and add to no
    /// pixel) may be overwritten with zeros.
    static func col2im(
        _ columns: UnsafeMutablePointer<Float>, rowStride: Int, _ g: ConvolutionGeometry,
        into image: UnsafeMutablePointer<Float>, channels: Range<Int>
    ) {
        PhaseClock.measure(.transforms) {
            if g.preservesSize {
                shiftedCol2im(columns, rowStride: rowStride, g, into: image, channels: channels)
                return
            }
            if g.stride > 1 {
                stridedCol2im(columns, rowStride: rowStride, g, into: image, channels: channels)
                return
            }
            let outH = g.outputHeight
            let outW = g.outputWidth
            for c in channels {
                let plane = image + c * g.inputPixels
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let row = (c * g.kernelHeight + ky) * g.kernelWidth + kx
                        let sourceRow = columns + row * rowStride
                        let first = min(outW, max(0, (g.padding - kx + g.stride - 1) / g.stride))
                        let last = min(outW, max(first, (g.width + g.padding - kx + g.stride - 1) / g.stride))
                        if first >= last { continue }
                        for oy in 0..<outH {
                            let iy = oy * g.stride - g.padding + ky
                            if iy < 0 || iy >= g.height { continue }
                            let source = sourceRow + oy * outW
                            let destination = plane + iy * g.width - g.padding + kx
                            add(source + first, into: destination + first, count: last - first)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Size-preserving convolutions

    /// Where kernel tap `(ky, kx)` of a size-preserving convolution reads: with `dy = ky -
    /// padding` and `dx = kx - padding`, output pixel `i = oy·width + ox` takes input pixel
    /// `i + offset`, `offset = dy·width + dx`, of the same plane, except where the input row
    /// `oy + dy` or column `ox + dx` lies in the padding. So a patch row is one contiguous copy
    /// of the plane (`copied`), zeros around it, and zeros in the `wrapped` columns of the
    /// `rows`, whose shifted index has run into the neighbouring image row.
    struct PlaneShift {
        /// Output rows whose input row is inside the image.
        let rows: Range<Int>
        /// Output pixels whose shifted index lies inside the plane (those of `rows`, less
        /// wrapped pixels at the two ends).
        let copied: Range<Int>
        /// The distance from an output pixel to the input pixel it reads.
        let offset: Int
        /// Output columns whose input column lies in the padding.
        let wrapped: Range<Int>

        init(_ g: ConvolutionGeometry, ky: Int, kx: Int) {
            let dy = ky - g.padding
            let dx = kx - g.padding
            let firstRow = min(g.height, max(0, -dy))
            rows = firstRow..<max(firstRow, min(g.height, g.height - dy))
            offset = dy * g.width + dx
            let lower = min(g.inputPixels, max(rows.lowerBound * g.width, -offset))
            copied = lower..<max(lower, min(rows.upperBound * g.width, g.inputPixels - offset))
            wrapped = dx < 0 ? 0..<min(g.width, -dx) : max(0, g.width - dx)..<g.width
        }

        /// Sets the wrapped columns of `rows` to 0 in one patch row.
        func zeroWrapped(_ row: UnsafeMutablePointer<Float>, width: Int) {
            if wrapped.isEmpty { return }
            for oy in rows {
                for ox in wrapped { row[oy * width + ox] = 0 }
            }
        }
    }

    /// im2col for size-preserving convolutions (the 3x3 layers of a residual network): one
    /// copy per kernel tap and channel instead of one per output row, through ``PlaneShift``.
    static func shiftedIm2col(
        _ image: UnsafePointer<Float>, _ g: ConvolutionGeometry,
        into columns: UnsafeMutablePointer<Float>, rowStride: Int, channels: Range<Int>
    ) {
        PhaseClock.measure(.transforms) {
            let pixels = g.inputPixels
            for c in channels {
                let plane = image + c * pixels
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let shift = PlaneShift(g, ky: ky, kx: kx)
                        let row = columns + ((c * g.kernelHeight + ky) * g.kernelWidth + kx) * rowStride
                        let copied = shift.copied
                        fill(row, with: 0, count: copied.lowerBound)
                        copy(plane + copied.lowerBound + shift.offset, to: row + copied.lowerBound, count: copied.count)
                        fill(row + copied.upperBound, with: 0, count: pixels - copied.upperBound)
                        shift.zeroWrapped(row, width: g.width)
                    }
                }
            }
        }
    }

    /// col2im for size-preserving convolutions: the adjoint of
    /// ``shiftedIm2col(_:_:into:rowStride:channels:)``, one contiguous addition per kernel tap
    /// and channel after zeroing the patch entries that fall in the padding. Every pixel
    /// receives its terms in the same order as row by row.
    static func shiftedCol2im(
        _ columns: UnsafeMutablePointer<Float>, rowStride: Int, _ g: ConvolutionGeometry,
        into image: UnsafeMutablePointer<Float>, channels: Range<Int>
    ) {
        PhaseClock.measure(.transforms) {
            for c in channels {
                let plane = image + c * g.inputPixels
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let shift = PlaneShift(g, ky: ky, kx: kx)
                        let row = columns + ((c * g.kernelHeight + ky) * g.kernelWidth + kx) * rowStride
                        shift.zeroWrapped(row, width: g.width)
                        let copied = shift.copied
                        add(row + copied.lowerBound, into: plane + copied.lowerBound + shift.offset, count: copied.count)
                    }
                }
            }
        }
    }

    /// Copies `count` elements; short runs (the rows of small feature maps) without a call.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 32 {
            destination.update(from: source, count: count)
            return
        }
        var i = 0
        while i + 8 <= count {
            destination.store(source.vector(at: i), at: i)
            i += 8
        }
        if i + 4 <= count {
            let quarter = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(destination + i).storeBytes(of: quarter, as: SIMD4<Float>.self)
            i += 4
        }
        while i < count {
            destination[i] = source[i]
            i += 1
        }
    }
}
