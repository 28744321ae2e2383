/// The regular files of a POSIX tar archive (ustar, GNU and pax headers), read in memory.
///
/// Only what the CIFAR archives need: file names and contents. Long GNU names (`L`) and pax
/// `path` records are honoured; links, devices and other entries are skipped. Every header's
/// checksum is verified, and sizes are checked against the archive's length.
struct TarArchive {
    /// The files, by path inside the archive, in archive order.
    private(set) var files: [(path: String, range: Range<Int>)] = []
    /// The archive's bytes.
    let bytes: [UInt8]

    /// Parses an archive.
    ///
    /// - Parameters:
    ///   - bytes: The uncompressed archive.
    ///   - source: The name to use in errors.
    /// - Throws: ``SHOTVAEError`` naming `source` for a truncated archive, a bad checksum, a
    ///   malformed size field or an entry that runs past the end.
    init(bytes: [UInt8], source: String) throws {
        self.bytes = bytes
        func fail(_ reason: String) -> SHOTVAEError { SHOTVAEError(.invalidFile, path: source, reason) }
        var offset = 0
        var pendingName: String?
        while true {
            guard offset + 512 <= bytes.count else {
                if offset == bytes.count && !files.isEmpty { break }  // no end marker, but complete
                throw fail("truncated tar archive: the header at byte \(offset) is cut off")
            }
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }  // end of archive
            let stored = try TarArchive.octal(header, at: offset + 148, length: 8, field: "checksum", source: source)
            var sum = 0
            for (i, byte) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
            guard stored == sum else {
                throw fail("bad tar header checksum at byte \(offset) (stored \(stored), computed \(sum)): not a tar archive or corrupted")
            }
            let size = try TarArchive.octal(header, at: offset + 124, length: 12, field: "size", source: source)
            let dataStart = offset + 512
            guard size <= bytes.count - dataStart else {
                throw fail("truncated tar archive: the entry at byte \(offset) declares \(size) bytes, only \(bytes.count - dataStart) remain")
            }
            let type = header[offset + 156]
            let name = TarArchive.string(header, at: offset, length: 100)
            let prefix = TarArchive.string(header, at: offset + 345, length: 155)
            let data = dataStart..<(dataStart + size)
            switch type {
            case UInt8(ascii: "L"):  // GNU long name for the next entry
                pendingName = TarArchive.string(bytes[data], at: data.lowerBound, length: size)
            case UInt8(ascii: "x"):  // pax extended header; only `path` matters here
                pendingName = TarArchive.paxPath(Array(bytes[data])) ?? pendingName
            case UInt8(ascii: "0"), 0:
                let path = pendingName ?? (prefix.isEmpty ? name : prefix + "/" + name)
                files.append((path, data))
                pendingName = nil
            default:
                pendingName = nil
            }
            offset = dataStart + (size + 511) / 512 * 512
        }
    }

    /// The contents of the first file whose name (last path component) is `name`.
    func file(named name: String) -> ArraySlice<UInt8>? {
        files.first { $0.path.split(separator: "/").last.map(String.init) == name }.map { bytes[$0.range] }
    }

    static func string(_ bytes: ArraySlice<UInt8>, at start: Int, length: Int) -> String {
        let field = bytes[start..<(start + length)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[start..<end], as: UTF8.self)
    }

    /// An octal number field (NUL- or space-terminated), or base-256 for large sizes.
    static func octal(_ bytes: ArraySlice<UInt8>, at start: Int, length: Int, field: String, source: String) throws -> Int {
        let slice = bytes[start..<(start + length)]
        if let first = slice.first, first & 0x80 != 0 {  // GNU base-256
            var value = 0
            for (i, byte) in slice.enumerated() {
                let digit = i == 0 ? Int(byte & 0x7F) : Int(byte)
                guard value <= (Int.max >> 8) else {
                    throw SHOTVAEError(.invalidFile, path: source, "tar \(field) field at byte \(start) is too large")
                }
                value = value << 8 | digit
            }
            return value
        }
        var value = 0
        var seenDigit = false
        for byte in slice {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if seenDigit { break } else { continue }
            }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7"), value <= (Int.max >> 3) else {
                throw SHOTVAEError(.invalidFile, path: source, "not a tar archive, or a corrupted one: malformed tar \(field) field at byte \(start)")
            }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
            seenDigit = true
        }
        return value
    }

    /// The `path` record of a pax header (`"<length> path=<value>\n"` records).
    static func paxPath(_ data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let entry = record[record.index(after: space)...]
            if entry.hasPrefix("path=") { return String(entry.dropFirst(5)) }
        }
        return nil
    }
}
