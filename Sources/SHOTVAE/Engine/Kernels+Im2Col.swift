#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sizes of one 2-D convolution over NCHW images: a `kernelHeight x kernelWidth` window
/// moved with `stride` over the input zero-padded by `padding` on every side.
struct ConvolutionGeometry: Equatable {
    var channels: Int
    var height: Int
    var width: Int
    var kernelHeight: Int
    var kernelWidth: Int
    var stride: Int
    var padding: Int

    /// The output height, `(height + 2 padding - kernelHeight) / stride + 1`.
    var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    /// The output width, `(width + 2 padding - kernelWidth) / stride + 1`.
    var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Pixels of one output channel.
    var outputPixels: Int { outputHeight * outputWidth }
    /// Pixels of one input channel.
    var inputPixels: Int { height * width }
    /// Rows of the im2col matrix: one per (channel, kernel row, kernel column).
    var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Whether the convolution reads each input pixel exactly once in place (1x1, stride 1,
    /// no padding), so that the image itself is its im2col matrix.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0
    }
}

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
                        if g.stride == 1 {
                            (out + first).update(from: source + first, count: last - first)
                        } else {
                            var ox = first
                            if g.stride == 2 {
                                // Eight outputs from sixteen consecutive inputs; the last odd
                                // input read stays inside the row while ox + 9 <= last.
                                while ox + 9 <= last {
                                    let pair = UnsafeRawPointer(source + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                                    out.store(pair.evenHalf, at: ox)
                                    ox += 8
                                }
                            }
                            while ox < last {
                                out[ox] = source[ox * g.stride]
                                ox += 1
                            }
                        }
                        if last < outW { fill(out + last, with: 0, count: outW - last) }
                    }
                }
            }
        }
    }

    /// Folds a patch matrix back onto an image, adding every entry to the pixel it was read
    /// from: the adjoint of ``im2col(_:_:into:rowStride:channels:)``. `image` is accumulated
    /// into, not overwritten.
    static func col2im(
        _ columns: UnsafePointer<Float>, rowStride: Int, _ g: ConvolutionGeometry,
        into image: UnsafeMutablePointer<Float>, channels: Range<Int>
    ) {
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
                        if g.stride == 1 {
                            add(source + first, into: destination + first, count: last - first)
                        } else {
                            var ox = first
                            while ox < last {
                                destination[ox * g.stride] += source[ox]
                                ox += 1
                            }
                        }
                    }
                }
            }
        }
    }
}
