import CZlib
import Foundation
import Testing

@testable import SHOTVAE

/// One chunk of a PNG file as read back from the bytes.
private struct Chunk {
    var type: String
    var data: [UInt8]
    var storedCRC: UInt32
}

private func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
}

/// Splits a PNG file into its chunks, recording an issue if the structure is broken.
private func chunks(of file: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [Chunk] {
    #expect(
        Array(file.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
        sourceLocation: sourceLocation)
    var result: [Chunk] = []
    var offset = 8
    while offset + 12 <= file.count {
        let length = Int(bigEndian(file, at: offset))
        guard offset + 12 + length <= file.count else { break }
        let type = String(decoding: file[(offset + 4)..<(offset + 8)], as: UTF8.self)
        let data = Array(file[(offset + 8)..<(offset + 8 + length)])
        result.append(Chunk(type: type, data: data, storedCRC: bigEndian(file, at: offset + 8 + length)))
        offset += 12 + length
    }
    #expect(
        offset == file.count, "trailing or truncated bytes after the last chunk",
        sourceLocation: sourceLocation)
    return result
}

/// The CRC-32 of a chunk's type and data, computed by zlib.
private func zlibCRC(_ chunk: Chunk) -> UInt32 {
    let bytes = Array(chunk.type.utf8) + chunk.data
    return bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
}

/// Inflates the concatenated IDAT data, which must hold exactly `expectedCount` bytes.
private func inflatedImageData(of file: [UInt8], expectedCount: Int) -> [UInt8]? {
    let compressed = chunks(of: file).filter { $0.type == "IDAT" }.flatMap(\.data)
    // One spare byte: a stream longer than expected would fill it and show up as a wrong count.
    var length = uLong(expectedCount + 1)
    var output = [UInt8](repeating: 0, count: expectedCount + 1)
    let status = output.withUnsafeMutableBufferPointer { destination in
        compressed.withUnsafeBufferPointer { source in
            uncompress(destination.baseAddress, &length, source.baseAddress, uLong(source.count))
        }
    }
    guard status == Z_OK else { return nil }
    return Array(output.prefix(Int(length)))
}

/// Each row of `pixels` preceded by filter type 0, as the encoder lays scanlines out.
private func scanlines(_ pixels: [UInt8], rowLength: Int) -> [UInt8] {
    stride(from: 0, to: pixels.count, by: rowLength).flatMap { [0] + pixels[$0..<($0 + rowLength)] }
}

/// A batch whose image `k` has every value `Float(k + 1) / 10`.
private func constantImages(count: Int, channels: Int, height: Int, width: Int) -> Tensor {
    let plane = channels * height * width
    return Tensor(
        shape: [count, channels, height, width],
        scalars: (0..<count).flatMap { k in Array(repeating: Float(k + 1) / 10, count: plane) })
}

@Suite struct PNGTests {
    let scratch = TemporaryFolder()

    // MARK: - PNG encoder

    @Test func startsWithTheSignatureAndDescribesTheImageInIHDR() {
        for (channels, colourType) in [(1, UInt8(0)), (3, UInt8(2))] {
            let file = PNG.encode(
                width: 300, height: 2, channels: channels,
                pixels: [UInt8](repeating: 7, count: 600 * channels))
            let parsed = chunks(of: file)
            #expect(parsed.map(\.type).first == "IHDR")
            guard let header = parsed.first, header.data.count == 13 else {
                Issue.record("IHDR missing or not 13 bytes")
                continue
            }
            #expect(bigEndian(header.data, at: 0) == 300)
            #expect(bigEndian(header.data, at: 4) == 2)
            // Bit depth, colour type, compression, filter method, interlace.
            #expect(Array(header.data[8...]) == [8, colourType, 0, 0, 0])
        }
    }

    @Test func everyChunkHasTheCRCOfItsTypeAndData() {
        let pixels = (0..<(5 * 4 * 3)).map { UInt8(truncatingIfNeeded: $0 * 37) }
        let parsed = chunks(of: PNG.encode(width: 5, height: 4, channels: 3, pixels: pixels))
        #expect(parsed.first?.type == "IHDR")
        #expect(parsed.last?.type == "IEND")
        #expect(parsed.last?.data.isEmpty == true)
        #expect(parsed.dropFirst().dropLast().allSatisfy { $0.type == "IDAT" } && parsed.count >= 3)
        for chunk in parsed {
            #expect(chunk.storedCRC == zlibCRC(chunk), "chunk \(chunk.type)")
        }
    }

    @Test func grayscaleDataInflatesToFilteredScanlines() {
        let pixels: [UInt8] = [0, 255, 128, 1, 2, 3, 250, 251, 252]
        let file = PNG.encode(width: 3, height: 3, channels: 1, pixels: pixels)
        let expected: [UInt8] = [0, 0, 255, 128, 0, 1, 2, 3, 0, 250, 251, 252]
        #expect(scanlines(pixels, rowLength: 3) == expected)
        #expect(inflatedImageData(of: file, expectedCount: expected.count) == expected)
    }

    @Test func rgbDataInflatesToFilteredScanlines() {
        // A 2 x 2 image: red, green / blue, white.
        let pixels: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]
        let file = PNG.encode(width: 2, height: 2, channels: 3, pixels: pixels)
        let expected: [UInt8] = [0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]
        #expect(inflatedImageData(of: file, expectedCount: expected.count) == expected)
    }

    @Test func largeImagesSplitIDATIntoSeveralChunks() {
        // Pseudo-random bytes do not compress, so the stream exceeds one chunk's limit.
        var state: UInt64 = 12345
        let pixels = (0..<(700 * 600 * 3)).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let file = PNG.encode(width: 700, height: 600, channels: 3, pixels: pixels)
        let parsed = chunks(of: file)
        #expect(parsed.filter { $0.type == "IDAT" }.count >= 2)
        #expect(parsed.filter { $0.type == "IDAT" }.allSatisfy { $0.data.count <= PNG.maximumChunkLength })
        for chunk in parsed {
            #expect(chunk.storedCRC == zlibCRC(chunk), "chunk \(chunk.type)")
        }
        let expected = scanlines(pixels, rowLength: 700 * 3)
        #expect(inflatedImageData(of: file, expectedCount: expected.count) == expected)
    }

    @Test func writeStoresTheEncodedBytes() throws {
        let url = scratch.file("tiny.png")
        try PNG.write(width: 2, height: 1, channels: 1, pixels: [10, 20], to: url)
        let stored = try [UInt8](Data(contentsOf: url))
        #expect(stored == PNG.encode(width: 2, height: 1, channels: 1, pixels: [10, 20]))
    }

    // MARK: - Image grid

    @Test func gridSizeFollowsColumnsRowsAndPadding() {
        // 5 images of 3 x 4 in 2 columns: 3 rows.
        let grid = ImageGrid(images: constantImages(count: 5, channels: 1, height: 3, width: 4), columns: 2)
        #expect(grid.width == 2 * 4 + 3 * 2)
        #expect(grid.height == 3 * 3 + 4 * 2)
        #expect(grid.channels == 1)
        #expect(grid.pixels.count == grid.width * grid.height)
        let unpadded = ImageGrid(
            images: constantImages(count: 6, channels: 3, height: 2, width: 5), columns: 4, padding: 0)
        #expect(unpadded.width == 20 && unpadded.height == 4 && unpadded.channels == 3)
    }

    @Test func gridPlacesEachImageInItsCell() {
        let (height, width, padding) = (3, 4, 2)
        let grid = ImageGrid(
            images: constantImages(count: 5, channels: 1, height: height, width: width), columns: 2,
            padding: padding, background: 17)
        for k in 0..<5 {
            let left = padding + (k % 2) * (width + padding)
            let top = padding + (k / 2) * (height + padding)
            let level = UInt8((Float(k + 1) / 10 * 255).rounded())
            #expect(grid.pixel(x: left, y: top) == [level], "first pixel of image \(k)")
            #expect(
                grid.pixel(x: left + width - 1, y: top + height - 1) == [level], "last pixel of image \(k)")
            #expect(grid.pixel(x: left - 1, y: top) == [17], "padding left of image \(k)")
            #expect(grid.pixel(x: left, y: top + height) == [17], "padding below image \(k)")
        }
        // The sixth cell is empty.
        #expect(grid.pixel(x: padding + width + padding + 1, y: padding + 2 * (height + padding) + 1) == [17])
        #expect(grid.pixel(x: 0, y: 0) == [17])
    }

    @Test func gridMapsTheValueRangeClampsAndZeroesNaN() {
        let values: [Float] = [-1, 2, .nan, 0.5, .infinity, -.infinity]
        let image = Tensor(shape: [1, 1, 1, 6], scalars: values)
        let unit = ImageGrid(images: image, columns: 1, padding: 0)
        #expect(unit.pixels == [0, 255, 0, 128, 255, 0])
        let symmetric = ImageGrid(images: image, columns: 1, valueRange: -1...1, padding: 0)
        #expect(symmetric.pixels == [0, 255, 0, 191, 255, 0])
    }

    @Test func gridInterleavesRGBChannels() {
        // One 1 x 2 RGB image: (1, 0, 0.5) and (0, 1, 0.25); channel planes in NCHW order.
        let image = Tensor(shape: [1, 3, 1, 2], scalars: [1, 0, 0, 1, 0.5, 0.25])
        let grid = ImageGrid(images: image, columns: 1, padding: 1, background: 9)
        #expect(grid.width == 4 && grid.height == 3)
        #expect(grid.pixel(x: 1, y: 1) == [255, 0, 128])
        #expect(grid.pixel(x: 2, y: 1) == [0, 255, 64])
        #expect(grid.pixel(x: 0, y: 1) == [9, 9, 9])
    }

    @Test func gridOfRowsPadsShorterRowsWithBackground() {
        let inputs = constantImages(count: 3, channels: 1, height: 2, width: 2)
        let few = Tensor(shape: [1, 1, 2, 2], repeating: 1)
        let grid = ImageGrid(rows: [inputs, few], padding: 1, background: 0)
        #expect(grid.width == 3 * 2 + 4 * 1)
        #expect(grid.height == 2 * 2 + 3 * 1)
        #expect(grid.pixel(x: 1, y: 1) == [26])  // 0.1 * 255 = 25.5, rounded up
        #expect(grid.pixel(x: 7, y: 2) == [77])  // third input, 0.3
        #expect(grid.pixel(x: 1, y: 4) == [255])  // the single image of the second row
        #expect(grid.pixel(x: 4, y: 4) == [0])  // empty second cell of the second row
        #expect(grid.pixel(x: 7, y: 5) == [0])  // empty third cell
    }

    @Test func gridPNGHoldsTheGridPixels() throws {
        let grid = ImageGrid(
            images: constantImages(count: 3, channels: 3, height: 4, width: 3), columns: 2, padding: 1)
        let file = grid.pngData()
        let header = chunks(of: file).first
        #expect(header.map { bigEndian($0.data, at: 0) } == UInt32(grid.width))
        #expect(header.map { bigEndian($0.data, at: 4) } == UInt32(grid.height))
        let expected = scanlines(grid.pixels, rowLength: grid.width * 3)
        #expect(inflatedImageData(of: file, expectedCount: expected.count) == expected)
        let url = scratch.file("grid.png")
        try grid.write(to: url)
        #expect(try [UInt8](Data(contentsOf: url)) == file)
    }
}
