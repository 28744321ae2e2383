import Foundation

/// The numeric arrays of a MATLAB level-5 MAT file (MATLAB's `save -v7`, SciPy's
/// `scipy.io.savemat`), as far as data sets such as SVHN's need: the 128-byte header, tagged
/// data elements (the small format included), `miMATRIX` arrays of real numbers of any
/// numeric class, and `miCOMPRESSED` elements, inflated with zlib. Other elements (cells,
/// structures, sparse and complex arrays) are skipped; only little-endian files are read.
///
/// Each element is checked against the bytes it claims, so a truncated or corrupt file is
/// an error naming it, never a crash.
struct MATFile {
    /// A real numeric array: its dimensions (MATLAB's column-major order, first fastest) and
    /// its values as stored.
    struct NumericArray {
        var dimensions: [Int]
        /// The MAT data type of `bytes` (`miUINT8` = 2, `miDOUBLE` = 9, ...).
        var dataType: Int
        var bytes: [UInt8]

        var count: Int { dimensions.reduce(1, *) }

        /// Bytes per value of each numeric data type.
        static let sizes: [Int: Int] = [1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8]

        /// Value `index` (column-major), whatever its stored type.
        func value(at index: Int) -> Double {
            bytes.withUnsafeBytes { raw in
                let offset = index * Self.sizes[dataType]!
                switch dataType {
                case 1: return Double(raw.load(fromByteOffset: offset, as: Int8.self))
                case 2: return Double(raw[offset])
                case 3: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int16.self))
                case 4: return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                case 5: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                case 6: return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                case 7: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Float.self))
                case 9: return raw.loadUnaligned(fromByteOffset: offset, as: Double.self)
                case 12: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                default: return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                }
            }
        }
    }

    /// The numeric arrays, by name.
    private(set) var arrays: [String: NumericArray] = [:]

    /// Reads the file at `url`.
    ///
    /// - Throws: ``SHOTVAEError`` naming the file: unreadable, not a level-5 MAT file, big-endian,
    ///   truncated, or with an element whose sizes do not add up or whose compressed data is corrupt.
    init(contentsOf url: URL) throws {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw SHOTVAEError(.fileSystem, path: url.path, "cannot read the MAT file (\(error.localizedDescription))")
        }
        try self.init(bytes: bytes, source: url.path)
    }

    /// Reads a MAT file's bytes; `source` names it in errors.
    init(bytes: [UInt8], source: String) throws {
        func fail(_ reason: String) -> SHOTVAEError { SHOTVAEError(.invalidFile, path: source, reason) }
        guard bytes.count >= 128 else { throw fail("truncated: \(bytes.count) bytes, fewer than the 128 of a MAT file's header") }
        guard bytes[126] == UInt8(ascii: "I"), bytes[127] == UInt8(ascii: "M") else {
            if bytes[126] == UInt8(ascii: "M"), bytes[127] == UInt8(ascii: "I") {
                throw fail("a big-endian MAT file; only little-endian files are read")
            }
            throw fail("not a MATLAB level-5 MAT file (no endian indicator \"IM\" at byte 126; MAT files of v7.3 are HDF5 and not read)")
        }
        guard bytes[124] == 0x00, bytes[125] == 0x01 else {
            throw fail("MAT file version \(bytes[125]).\(bytes[124]), expected 1.0 (level 5)")
        }
        var offset = 128
        while offset < bytes.count {
            try readElement(bytes, at: &offset, source: source, fail: fail)
        }
    }

    /// Reads the data element at `offset` (a matrix, a compressed element, or one to skip) and
    /// moves past it.
    private mutating func readElement(
        _ bytes: [UInt8], at offset: inout Int, source: String, fail: (String) -> SHOTVAEError
    ) throws {
        let (type, data) = try Self.element(bytes, at: &offset, fail: fail)
        switch type {
        case 15:  // miCOMPRESSED: one element, deflated.
            let inflated: [UInt8]
            do {
                inflated = try Gzip.decompress(Array(bytes[data]), source: source, format: .zlib)
            } catch let error as SHOTVAEError {
                throw fail("compressed element at byte \(data.lowerBound - 8): \(error.reason)")
            }
            var inner = 0
            while inner < inflated.count { try readElement(inflated, at: &inner, source: source, fail: fail) }
        case 14:  // miMATRIX
            if let (name, array) = try Self.matrix(Array(bytes[data]), fail: fail) { arrays[name] = array }
        default:
            break
        }
    }

    /// The type and data range of the tagged element at `offset`, past which `offset` moves
    /// (padding included).
    private static func element(_ bytes: [UInt8], at offset: inout Int, fail: (String) -> SHOTVAEError) throws -> (Int, Range<Int>) {
        guard bytes.count - offset >= 8 else { throw fail("truncated: a data element's tag at byte \(offset) is cut short") }
        let word = { (at: Int) in bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | Int($1) } }
        let first = word(offset), second = word(offset + 4)
        if first >> 16 != 0 {
            // The small format: size in the upper half of the first word, data in the second.
            let (type, size) = (first & 0xFFFF, first >> 16)
            guard size <= 4 else { throw fail("a small data element at byte \(offset) claims \(size) bytes, more than 4") }
            defer { offset += 8 }
            return (type, (offset + 4)..<(offset + 4 + size))
        }
        let start = offset + 8
        guard second <= bytes.count - start else {
            throw fail("truncated: the data element at byte \(offset) claims \(second) bytes, \(bytes.count - start) remain")
        }
        // Elements are padded to 8 bytes, except compressed ones.
        offset = first == 15 ? start + second : min(bytes.count, start + (second + 7) / 8 * 8)
        return (first, start..<(start + second))
    }

    /// The name and values of a `miMATRIX` element's contents, or `nil` for an array that is
    /// not real and numeric (cells, structures, characters, sparse, complex).
    private static func matrix(_ bytes: [UInt8], fail: (String) -> SHOTVAEError) throws -> (String, NumericArray)? {
        var offset = 0
        let (flagsType, flags) = try element(bytes, at: &offset, fail: fail)
        guard flagsType == 6, flags.count == 8 else { throw fail("an array's flags are not 8 bytes of miUINT32") }
        let classCode = Int(bytes[flags.lowerBound]), isComplex = bytes[flags.lowerBound + 1] & 0x08 != 0
        let (dimensionsType, dimensions) = try element(bytes, at: &offset, fail: fail)
        guard dimensionsType == 5, dimensions.count % 4 == 0, dimensions.count >= 8 else {
            throw fail("an array's dimensions are not at least two miINT32 values")
        }
        let shape = stride(from: dimensions.lowerBound, to: dimensions.upperBound, by: 4).map {
            Int(Int32(bitPattern: UInt32(bytes[$0]) | UInt32(bytes[$0 + 1]) << 8 | UInt32(bytes[$0 + 2]) << 16 | UInt32(bytes[$0 + 3]) << 24))
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("an array has negative dimensions \(shape)") }
        let (_, nameRange) = try element(bytes, at: &offset, fail: fail)
        let name = String(decoding: bytes[nameRange], as: UTF8.self)
        // Classes 6 (double) to 15 (uint64) are numeric; the rest are not read.
        guard (6...15).contains(classCode), !isComplex else { return nil }
        let (dataType, data) = try element(bytes, at: &offset, fail: fail)
        guard let size = NumericArray.sizes[dataType] else { throw fail("array \"\(name)\" stores its values as MAT type \(dataType), not a number") }
        let (count, overflow) = shape.reduce((1, false)) { let r = $0.0.multipliedReportingOverflow(by: $1); return (r.partialValue, $0.1 || r.overflow) }
        guard !overflow, count * size == data.count else {
            throw fail("array \"\(name)\" of dimensions \(shape) needs \(count) values, its data has \(data.count / size)")
        }
        return (name, NumericArray(dimensions: shape, dataType: dataType, bytes: Array(bytes[data])))
    }
}
