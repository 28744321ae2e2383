import Foundation
import Testing

@testable import SHOTVAE

/// The bytes of an IDX file: magic `00 00 type rank`, big-endian sizes, then `data`.
func idxFile(
    dimensions: [Int], data: [UInt8], type: UInt8 = 0x08, magic: [UInt8] = [0, 0], rank: Int? = nil
) -> [UInt8] {
    var bytes = magic + [type, UInt8(rank ?? dimensions.count)]
    for size in dimensions {
        withUnsafeBytes(of: UInt32(size).bigEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes + data
}

/// `bytes` compressed by `/bin/gzip -n` (no name or time stamp, so the header is 10 bytes).
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-n", "-c"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    // Write on another thread so that a full output pipe cannot block the writer.
    let writer = Thread {
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
    }
    writer.start()
    let compressed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return [UInt8](compressed)
}

/// Expects `body` to throw a ``SHOTVAEError`` whose description starts with `path` and
/// whose reason contains `problem`.
func expectError(
    _ kind: SHOTVAEError.Kind = .invalidFile, path: String, containing problem: String, _ what: String = "",
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("\(what): no error thrown", sourceLocation: sourceLocation)
    } catch let error as SHOTVAEError {
        #expect(error.kind == kind, "\(what): \(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix(path + ": "), "\(what): \(error)", sourceLocation: sourceLocation)
        #expect(error.reason.contains(problem), "\(what): \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct IDXTests {
    let scratch = TemporaryFolder()

    /// A small valid file: 3 images of 2 × 4 bytes.
    static let dimensions = [3, 2, 4]
    static let data = (0..<24).map { UInt8($0 * 10) }
    static let valid = idxFile(dimensions: dimensions, data: data)

    // MARK: - Valid files

    @Test func rawFileRoundTrips() throws {
        let url = scratch.file("small-idx3-ubyte")
        try Data(Self.valid).write(to: url)
        let array = try IDXArray.read(contentsOf: url)
        #expect(array.dimensions == Self.dimensions)
        #expect(array.bytes == Self.data)
    }

    @Test func gzipFileRoundTripsWhateverItsName() throws {
        // Compression is detected from the content, so a misleading name does not matter.
        for name in ["small-idx3-ubyte.gz", "small-idx3-ubyte"] {
            let url = scratch.file(name)
            try Data(try gzipped(Self.valid)).write(to: url)
            let array = try IDXArray.read(contentsOf: url)
            #expect(array.dimensions == Self.dimensions)
            #expect(array.bytes == Self.data)
        }
    }

    @Test(arguments: [[5], [2, 3], [1, 2, 3], [2, 1, 2, 2], [0], [4, 0, 7]])
    func everyRankFromOneToFourParses(dimensions: [Int]) throws {
        let count = dimensions.reduce(1, *)
        let data = (0..<count).map { UInt8($0 % 256) }
        let array = try IDXArray.parse(idxFile(dimensions: dimensions, data: data), source: "ok")
        #expect(array.dimensions == dimensions)
        #expect(array.bytes == data)
    }

    @Test func largeGzipFileRoundTrips() throws {
        // More than the initial output buffer, so the buffer has to grow several times.
        var generator = RandomGenerator(seed: 7)
        let data = (0..<(600 * 28 * 28)).map { i in i % 3 == 0 ? UInt8(generator.next() % 256) : 0 }
        let file = idxFile(dimensions: [600, 28, 28], data: data)
        let array = try IDXArray.parse(try gzipped(file), source: "large.gz")
        #expect(array.dimensions == [600, 28, 28])
        #expect(array.bytes == data)
    }

    // MARK: - Bad IDX files: each throws an error that names the file and the problem.

    static let badFiles: [(String, [UInt8], String)] = [
        ("empty", [], "truncated header"),
        ("truncated magic", [0, 0, 8], "truncated header"),
        ("truncated sizes", Array(valid.prefix(10)), "truncated header"),
        ("truncated data", Array(valid.dropLast(5)), "truncated: 19 bytes of data, the header promises 24"),
        ("trailing bytes", valid + [1, 2, 3], "24 bytes of data expected"),
        ("trailing bytes counted", valid + [1, 2, 3], "the file has 3 extra bytes"),
        (
            "wrong magic", idxFile(dimensions: dimensions, data: data, magic: [0x50, 0x4b]),
            "wrong magic number 50 4b 08 03"
        ),
        (
            "signed bytes", idxFile(dimensions: dimensions, data: data, type: 0x09),
            "unsupported element type 0x09 (signed byte)"
        ),
        (
            "floats", idxFile(dimensions: dimensions, data: data, type: 0x0D),
            "unsupported element type 0x0d (32-bit float)"
        ),
        (
            "unknown type", idxFile(dimensions: dimensions, data: data, type: 0x42),
            "unsupported element type 0x42"
        ),
        ("zero dimensions", idxFile(dimensions: [], data: [1, 2]), "0 dimensions"),
        ("too many dimensions", idxFile(dimensions: [1, 1, 1, 1, 2], data: [1, 2]), "5 dimensions"),
        (
            "too many elements", idxFile(dimensions: [65536, 32768, 2], data: []),
            "more than the limit of 2^31"
        ),
        (
            "product overflows",
            idxFile(dimensions: [1 << 32 - 1, 1 << 32 - 1, 1 << 32 - 1, 1 << 32 - 1], data: []),
            "more than the limit"
        ),
    ]

    @Test(arguments: badFiles.indices)
    func badFileThrowsAClearError(index: Int) throws {
        let (what, bytes, problem) = Self.badFiles[index]
        let url = scratch.file("bad-\(index)-idx3-ubyte")
        try Data(bytes).write(to: url)
        expectError(path: url.path, containing: problem, what) { _ = try IDXArray.read(contentsOf: url) }
        // The same file compressed gives the same error.
        let compressed = scratch.file("bad-\(index)-idx3-ubyte.gz")
        try Data(try gzipped(bytes)).write(to: compressed)
        expectError(path: compressed.path, containing: problem, "\(what) (gzip)") {
            _ = try IDXArray.read(contentsOf: compressed)
        }
    }

    @Test func missingFileIsAFileSystemErrorNamingThePath() {
        let url = scratch.file("absent-idx1-ubyte")
        expectError(.fileSystem, path: url.path, containing: "cannot read") {
            _ = try IDXArray.read(contentsOf: url)
        }
    }

    // MARK: - Bad gzip streams

    /// Writes `bytes` to a fresh `.gz` file and expects reading it to fail with `problem`.
    func expectGzipError(
        _ bytes: [UInt8], _ problem: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let url = scratch.file("\(what.replacingOccurrences(of: " ", with: "-"))-idx3-ubyte.gz")
        try Data(bytes).write(to: url)
        expectError(path: url.path, containing: problem, what, sourceLocation: sourceLocation) {
            _ = try IDXArray.read(contentsOf: url)
        }
    }

    @Test func corruptedDeflateDataThrowsZlibsMessage() throws {
        var bytes = try gzipped(Self.valid)
        // The first deflate byte holds BFINAL and BTYPE; BTYPE 3 is reserved.
        bytes[10] |= 0b110
        try expectGzipError(
            bytes, "corrupt gzip data in member 1 (zlib: invalid block type)", "invalid block type")
    }

    @Test func flippedBytesAnywhereInTheDeflateDataThrow() throws {
        let bytes = try gzipped(Self.valid)
        for position in 10..<(bytes.count - 8) {
            var corrupted = bytes
            corrupted[position] ^= 0xff
            #expect(throws: SHOTVAEError.self, "byte \(position) flipped") {
                try IDXArray.parse(corrupted, source: "flipped.gz")
            }
        }
    }

    @Test func streamCutInHalfIsTruncated() throws {
        let bytes = try gzipped(Self.valid)
        try expectGzipError(Array(bytes.prefix(bytes.count / 2)), "truncated gzip stream", "cut in half")
    }

    @Test func crcMismatchThrows() throws {
        var bytes = try gzipped(Self.valid)
        bytes[bytes.count - 8] ^= 0x01
        try expectGzipError(bytes, "gzip CRC-32 mismatch", "crc mismatch")
    }

    @Test func lengthMismatchThrows() throws {
        var bytes = try gzipped(Self.valid)
        bytes[bytes.count - 4] ^= 0x01
        try expectGzipError(bytes, "gzip length mismatch", "length mismatch")
    }

    @Test func badGzipHeaderThrows() throws {
        var bytes = try gzipped(Self.valid)
        bytes[2] = 7  // compression method: only 8 (deflate) exists
        try expectGzipError(bytes, "bad gzip header", "bad header")
    }

    @Test func garbageAfterTheStreamThrows() throws {
        let bytes = try gzipped(Self.valid) + [0, 0, 0, 0]
        try expectGzipError(bytes, "4 bytes after the end of gzip member 1", "trailing garbage")
    }

    /// Every prefix of a valid compressed file is rejected with an error, never a crash.
    @Test func everyTruncationOfAGzipFileIsRejected() throws {
        let bytes = try gzipped(Self.valid)
        #expect(try IDXArray.parse(bytes, source: "whole.gz").bytes == Self.data)
        for length in 0..<bytes.count {
            #expect(throws: SHOTVAEError.self, "prefix of \(length) bytes") {
                try IDXArray.parse(Array(bytes.prefix(length)), source: "cut.gz")
            }
        }
        for length in 0..<Self.valid.count {
            #expect(throws: SHOTVAEError.self, "raw prefix of \(length) bytes") {
                try IDXArray.parse(Array(Self.valid.prefix(length)), source: "cut")
            }
        }
    }

    // MARK: - Gzip

    @Test func concatenatedMembersDecompressToTheirConcatenation() throws {
        let first: [UInt8] = Array("first member, ".utf8)
        let second: [UInt8] = Array("second member".utf8)
        let stream = try gzipped(first) + gzipped(second)
        #expect(try Gzip.decompress(stream, source: "two.gz") == first + second)
        // An IDX file split across two members reads as one file.
        let split = try gzipped(Array(Self.valid.prefix(9))) + gzipped(Array(Self.valid.dropFirst(9)))
        #expect(try IDXArray.parse(split, source: "split.gz").bytes == Self.data)
    }

    @Test func outputBeyondTheLimitIsRejected() throws {
        let zeros = [UInt8](repeating: 0, count: 1_000_000)
        let bomb = try gzipped(zeros)
        #expect(bomb.count < 2_000)
        #expect(try Gzip.decompress(bomb, source: "exact.gz", maximumBytes: zeros.count) == zeros)
        expectError(path: "bomb.gz", containing: "expands to more than 999999 bytes") {
            _ = try Gzip.decompress(bomb, source: "bomb.gz", maximumBytes: zeros.count - 1)
        }
    }

    @Test func detectsCompressionByMagicBytes() throws {
        #expect(Gzip.isCompressed(try gzipped([1, 2, 3])))
        #expect(!Gzip.isCompressed(Self.valid))
        #expect(!Gzip.isCompressed([0x1f]))
        expectError(path: "plain", containing: "not the gzip magic bytes 1f 8b") {
            _ = try Gzip.decompress(Self.valid, source: "plain")
        }
    }
}
