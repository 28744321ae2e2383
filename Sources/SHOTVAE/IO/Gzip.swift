import CZlib

/// Decompression of gzip streams (RFC 1952) with zlib, for data files such as MNIST's `.gz`,
/// and of bare zlib streams (RFC 1950), such as a MAT file's compressed elements.
///
/// Decompression is strict: every member must end with a matching CRC-32 and length, the
/// input must end exactly where the last member does, and the output may not grow past a
/// limit, so a truncated, corrupt or malicious file is rejected with an error that names it.
enum Gzip {
    /// The first two bytes of every gzip member.
    static let magic: [UInt8] = [0x1f, 0x8b]

    /// The framings of a deflate stream.
    enum Format: String {
        /// RFC 1952, one or more members, each with a CRC-32 and length.
        case gzip
        /// RFC 1950, one stream with an Adler-32.
        case zlib
    }

    /// The largest number of bytes one call hands to zlib (its counters are 32-bit).
    private static let chunkLimit = 1 << 30

    /// Whether `bytes` starts with the gzip magic bytes `1f 8b`.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == magic[0] && bytes[1] == magic[1]
    }

    /// Decompresses a gzip stream of one or more concatenated members, or one zlib stream.
    ///
    /// The output buffer starts small and doubles as needed; the sizes recorded in the
    /// stream are never used to allocate memory.
    ///
    /// - Parameters:
    ///   - bytes: The whole compressed stream.
    ///   - source: The name to use in errors (usually the file's path).
    ///   - maximumBytes: The largest decompressed size accepted; a stream that expands
    ///     beyond it (a decompression bomb) is rejected before more memory is taken.
    ///   - format: gzip (members, magic bytes checked) or a bare zlib stream, which must end
    ///     where `bytes` do.
    /// - Returns: The concatenated contents of all members.
    /// - Throws: ``SHOTVAEError`` of kind `.invalidFile` naming `source` and the problem: a
    ///   bad header, corrupt deflate data (with zlib's message), a CRC-32 or length mismatch,
    ///   a truncated stream, bytes after the last member, or output beyond `maximumBytes`.
    static func decompress(
        _ bytes: [UInt8], source: String, maximumBytes: Int = 1 << 31, format: Format = .gzip
    ) throws -> [UInt8] {
        precondition(maximumBytes >= 0, "maximumBytes must not be negative, got \(maximumBytes).")
        func fail(_ reason: String) -> SHOTVAEError { SHOTVAEError(.invalidFile, path: source, reason) }
        let name = format.rawValue

        guard format == .zlib || isCompressed(bytes) else {
            if bytes.count < 2 && bytes == Array(magic.prefix(bytes.count)) {
                throw fail(
                    "truncated gzip stream: \(bytes.count) bytes, fewer than the 18 of the smallest member")
            }
            let start = bytes.prefix(2).map { hex($0) }.joined(separator: " ")
            throw fail("bad gzip header: the stream starts with \(start), not the gzip magic bytes 1f 8b")
        }

        var stream = z_stream()
        let windowBits: Int32 = format == .gzip ? 15 + 16 : 15
        let status = inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw fail("cannot start \(name) decompression (zlib status \(status))")
        }
        defer { inflateEnd(&stream) }

        // One byte past the limit is enough room to notice that the limit is exceeded.
        let (capacityLimit, overflow) = maximumBytes.addingReportingOverflow(1)
        let outputLimit = overflow ? Int.max : capacityLimit
        var output = [UInt8](repeating: 0, count: min(outputLimit, max(1 << 16, bytes.count * 4)))
        var outputCount = 0
        var inputOffset = 0
        var member = 1

        while true {
            if outputCount == output.count {
                let grown = min(outputLimit, output.count > outputLimit / 2 ? outputLimit : output.count * 2)
                output += [UInt8](repeating: 0, count: grown - output.count)
            }
            let inputChunk = min(bytes.count - inputOffset, chunkLimit)
            let outputChunk = min(output.count - outputCount, chunkLimit)
            let result = bytes.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + inputOffset)
                    stream.avail_in = UInt32(inputChunk)
                    stream.next_out = out.baseAddress! + outputCount
                    stream.avail_out = UInt32(outputChunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
            }
            inputOffset += inputChunk - Int(stream.avail_in)
            outputCount += outputChunk - Int(stream.avail_out)
            stream.next_in = nil
            stream.next_out = nil
            guard outputCount <= maximumBytes else {
                throw fail("\(name) stream expands to more than \(maximumBytes) bytes (a decompression bomb?)")
            }

            switch result {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if inputOffset == bytes.count {
                    output.removeSubrange(outputCount...)
                    return output
                }
                guard format == .gzip else {
                    throw fail("\(bytes.count - inputOffset) bytes after the end of the zlib stream")
                }
                // Another member may follow (as `cat a.gz b.gz` makes); anything else is garbage.
                let rest = bytes.count - inputOffset
                let startsAnother =
                    rest >= 2
                    ? bytes[inputOffset] == magic[0] && bytes[inputOffset + 1] == magic[1]
                    : bytes[inputOffset] == magic[0]
                guard startsAnother else {
                    throw fail(
                        "\(rest) bytes after the end of gzip member \(member) are not another gzip member")
                }
                guard inflateReset(&stream) == Z_OK else {
                    throw fail("cannot restart gzip decompression for member \(member + 1)")
                }
                member += 1
            case Z_BUF_ERROR:
                // No progress: the output has room, so the input ran out before the member ended.
                if outputCount == output.count { continue }
                throw fail(
                    format == .gzip
                        ? "truncated gzip stream: the \(bytes.count) compressed bytes end inside member \(member) "
                            + "(\(outputCount) bytes decompressed so far)"
                        : "truncated zlib stream: the \(bytes.count) compressed bytes end inside it "
                            + "(\(outputCount) bytes decompressed so far)")
            case Z_DATA_ERROR:
                throw fail(format == .gzip
                    ? describeDataError(zlibMessage(stream), member: member)
                    : "corrupt zlib data (zlib: \(zlibMessage(stream)))")
            case Z_MEM_ERROR:
                throw fail("out of memory while decompressing \(name) member \(member)")
            default:
                throw fail(
                    "corrupt \(name) data in member \(member) (zlib status \(result): \(zlibMessage(stream)))")
            }
        }
    }

    // MARK: - Implementation details

    /// Words for zlib's `Z_DATA_ERROR` messages, keeping zlib's own text.
    private static func describeDataError(_ message: String, member: Int) -> String {
        switch message {
        case "incorrect data check":
            return
                "gzip CRC-32 mismatch in member \(member): the decompressed data is corrupt (zlib: \(message))"
        case "incorrect length check":
            return "gzip length mismatch in member \(member): the data is not the recorded size "
                + "(zlib: \(message))"
        case "incorrect header check", "unknown compression method", "unknown header flags set",
            "header crc mismatch":
            return "bad gzip header in member \(member) (zlib: \(message))"
        default:
            return "corrupt gzip data in member \(member) (zlib: \(message))"
        }
    }

    /// zlib's message for the last error, or a placeholder when it gave none.
    private static func zlibMessage(_ stream: z_stream) -> String {
        guard let message = stream.msg else { return "no message" }
        return String(cString: message)
    }

    /// A byte as two lowercase hexadecimal digits.
    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
