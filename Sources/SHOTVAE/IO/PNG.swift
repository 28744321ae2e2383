import CZlib
import Foundation

/// Encodes 8-bit grayscale and RGB pictures as PNG files.
///
/// The encoder writes what a valid file needs and nothing more (W3C PNG specification,
/// second edition): the 8-byte signature, an `IHDR` chunk, the scanlines compressed with zlib
/// in one or more `IDAT` chunks, and `IEND`. Every scanline uses filter type 0 ("None"), so
/// the inflated `IDAT` data is each row of pixels preceded by a zero byte. Every chunk ends
/// with the CRC-32 of its type and data.
///
/// ```swift
/// let checkerboard: [UInt8] = [0, 255, 255, 0]
/// try PNG.write(width: 2, height: 2, channels: 1, pixels: checkerboard, to: url)
/// ```
enum PNG {
    /// The bytes every PNG file starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The largest `IDAT` payload written in one chunk; longer data is split.
    static let maximumChunkLength = 1 << 20

    /// Encodes a picture as the bytes of a PNG file.
    ///
    /// - Parameters:
    ///   - width: Pixels per row, at least 1.
    ///   - height: Rows, at least 1.
    ///   - channels: 1 for grayscale, 3 for RGB.
    ///   - pixels: `height * width * channels` bytes, row-major, channels interleaved
    ///     (`r, g, b, r, g, b, ...` for RGB).
    /// - Returns: The complete file.
    static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
        precondition(
            width > 0 && height > 0 && width <= Int(Int32.max) && height <= Int(Int32.max),
            "A PNG needs a width and height in 1...\(Int32.max); got \(width) x \(height).")
        precondition(channels == 1 || channels == 3, "PNG.encode supports 1 or 3 channels, not \(channels).")
        precondition(
            pixels.count == width * height * channels,
            "\(width) x \(height) x \(channels) pixels need \(width * height * channels) bytes, "
                + "got \(pixels.count).")

        var header: [UInt8] = []
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        // Bit depth 8; colour type 0 (grayscale) or 2 (RGB); deflate; adaptive filtering; no interlace.
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]

        let rowLength = width * channels
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity(height * (rowLength + 1))
        for row in 0..<height {
            scanlines.append(0)
            scanlines.append(contentsOf: pixels[(row * rowLength)..<((row + 1) * rowLength)])
        }
        let compressed = deflate(scanlines)

        var file = signature
        appendChunk("IHDR", header, to: &file)
        var start = 0
        repeat {
            let end = min(start + maximumChunkLength, compressed.count)
            appendChunk("IDAT", compressed[start..<end], to: &file)
            start = end
        } while start < compressed.count
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// Encodes a picture as PNG and writes it atomically.
    ///
    /// - Parameters:
    ///   - width: Pixels per row, at least 1.
    ///   - height: Rows, at least 1.
    ///   - channels: 1 for grayscale, 3 for RGB.
    ///   - pixels: `height * width * channels` bytes, row-major, channels interleaved.
    ///   - url: The destination; its folder must exist.
    /// - Throws: ``SHOTVAEError`` naming the file when the file system refuses.
    static func write(width: Int, height: Int, channels: Int, pixels: [UInt8], to url: URL) throws {
        try AtomicFile.write(
            encode(width: width, height: height, channels: channels, pixels: pixels), to: url)
    }

    // MARK: - Implementation details

    /// Compresses `bytes` into a zlib stream (RFC 1950) with the default compression level.
    private static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBufferPointer { source in
                compress2(
                    destination.baseAddress, &length, source.baseAddress, uLong(source.count),
                    Z_DEFAULT_COMPRESSION)
            }
        }
        // compress2 fails only without memory or with a buffer below compressBound.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status).")
        output.removeSubrange(Int(length)...)
        return output
    }

    /// Appends one chunk: length, type, data and the CRC-32 of type and data.
    private static func appendChunk<Data: Collection<UInt8>>(
        _ type: String, _ data: Data, to file: inout [UInt8]
    ) {
        let typeAndData = Array(type.utf8) + Array(data)
        appendBigEndian(UInt32(data.count), to: &file)
        file += typeAndData
        let checksum = typeAndData.withUnsafeBufferPointer { buffer in
            crc32(crc32(0, nil, 0), buffer.baseAddress, uInt(buffer.count))
        }
        appendBigEndian(UInt32(truncatingIfNeeded: checksum), to: &file)
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
        ]
    }
}
