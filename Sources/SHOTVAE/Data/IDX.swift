import Foundation

/// An array of unsigned bytes read from an IDX file, the format of the MNIST distributions.
///
/// An IDX file is a 4-byte magic number (`00 00`, the element type, the number of
/// dimensions), one big-endian `UInt32` size per dimension, then the elements in row-major
/// order. Only unsigned bytes (type `0x08`) are supported, which is what MNIST and
/// Fashion-MNIST use. Files may be gzip-compressed; compression is recognised by its magic
/// bytes, not by the file name.
struct IDXArray {
    /// The size of each dimension, outermost first.
    var dimensions: [Int]
    /// The elements in row-major order; their number is the product of ``dimensions``.
    var bytes: [UInt8]

    /// The largest number of elements accepted (2³¹).
    static let maximumElementCount = 1 << 31

    /// The largest number of dimensions accepted.
    static let maximumRank = 4

    /// The largest file accepted after decompression: the longest header and the most elements.
    static let maximumFileSize = 4 + 4 * maximumRank + maximumElementCount

    /// Reads and validates an IDX file, raw or gzip-compressed.
    ///
    /// - Parameter url: The file.
    /// - Returns: The dimensions and elements.
    /// - Throws: ``SHOTVAEError`` naming the file: `.fileSystem` if it cannot be read,
    ///   `.invalidFile` for a corrupt gzip stream or any problem that ``parse(_:source:)`` finds.
    static func read(contentsOf url: URL) throws -> IDXArray {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SHOTVAEError(
                .fileSystem, path: url.path, "cannot read the file (\(error.localizedDescription))")
        }
        return try parse([UInt8](data), source: url.path)
    }

    /// Parses and validates the bytes of an IDX file, decompressing them first if they are a
    /// gzip stream.
    ///
    /// - Parameters:
    ///   - bytes: The whole file, raw or gzip-compressed.
    ///   - source: The name to use in errors (usually the path).
    /// - Returns: The dimensions and elements.
    /// - Throws: ``SHOTVAEError`` of kind `.invalidFile` naming `source` and the problem: a
    ///   corrupt or truncated gzip stream, a truncated header, a wrong magic number, an
    ///   unsupported element type, a dimension count outside 1...4, sizes whose product
    ///   exceeds 2³¹, or data shorter or longer than the sizes promise.
    static func parse(_ bytes: [UInt8], source: String) throws -> IDXArray {
        if Gzip.isCompressed(bytes) {
            let raw = try Gzip.decompress(bytes, source: source, maximumBytes: maximumFileSize)
            return try parseRaw(raw, source: source)
        }
        return try parseRaw(bytes, source: source)
    }

    // MARK: - Implementation details

    /// Parses the bytes of an uncompressed IDX file.
    private static func parseRaw(_ bytes: [UInt8], source: String) throws -> IDXArray {
        func fail(_ reason: String) -> SHOTVAEError { SHOTVAEError(.invalidFile, path: source, reason) }

        guard bytes.count >= 4 else {
            throw fail("truncated header: \(bytes.count) bytes, but the IDX magic number alone takes 4")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw fail(
                "wrong magic number \(hex(bytes[0..<4])): an IDX file starts with 00 00 "
                    + "(is this really an IDX file?)")
        }
        let type = bytes[2]
        guard type == 0x08 else {
            throw fail(
                "unsupported element type 0x\(hex([type])) (\(typeName(type))); "
                    + "only 0x08 (unsigned byte) is supported")
        }
        let rank = Int(bytes[3])
        guard (1...maximumRank).contains(rank) else {
            throw fail("\(rank) dimensions; an IDX array needs 1 to \(maximumRank)")
        }
        let headerLength = 4 + 4 * rank
        guard bytes.count >= headerLength else {
            throw fail(
                "truncated header: \(bytes.count) bytes, but the sizes of \(rank) dimensions "
                    + "need a header of \(headerLength)")
        }
        var dimensions: [Int] = []
        var elementCount = 1
        var tooLarge = false
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let size = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            dimensions.append(size)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            if overflow { tooLarge = true }
            elementCount = product
        }
        guard !tooLarge, elementCount <= maximumElementCount else {
            throw fail("sizes \(dimensions) hold more than the limit of 2^31 elements")
        }
        let dataLength = bytes.count - headerLength
        guard dataLength >= elementCount else {
            throw fail(
                "truncated: \(dataLength) bytes of data, the header promises \(elementCount) (sizes \(dimensions))"
            )
        }
        guard dataLength == elementCount else {
            throw fail(
                "\(elementCount) bytes of data expected (sizes \(dimensions)), "
                    + "the file has \(dataLength - elementCount) extra bytes")
        }
        return IDXArray(dimensions: dimensions, bytes: Array(bytes[headerLength...]))
    }

    /// The name of an IDX element type code, for error messages.
    private static func typeName(_ type: UInt8) -> String {
        switch type {
        case 0x08: return "unsigned byte"
        case 0x09: return "signed byte"
        case 0x0B: return "16-bit integer"
        case 0x0C: return "32-bit integer"
        case 0x0D: return "32-bit float"
        case 0x0E: return "64-bit float"
        default: return "not an IDX type"
        }
    }

    /// Bytes as space-separated lowercase hexadecimal pairs.
    private static func hex<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
