/// Small writers the harness needs to build valid containers around fuzzed bytes: gzip members
/// made of stored deflate blocks (correct CRC-32 and length, so the fuzzer reaches what lies
/// inside), and tar header checksums.
enum Encoding {
    /// The CRC-32 of gzip and PNG (reflected polynomial 0xEDB88320).
    static func crc32<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// One gzip member (RFC 1952) holding `bytes` in stored (uncompressed) deflate blocks.
    static func gzipMember<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        let data = Array(bytes)
        var member: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]
        var start = 0
        repeat {
            let end = min(start + 65_535, data.count)
            let isLast = end == data.count
            let length = UInt16(end - start)
            member.append(isLast ? 1 : 0)
            member += [UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8(~length >> 8)]
            member += data[start..<end]
            start = end
        } while start < data.count
        member += littleEndian(crc32(data))
        member += littleEndian(UInt32(truncatingIfNeeded: data.count))
        return member
    }

    /// Rewrites the checksum field of every header the way a tar reader walks them, so that
    /// mutated archives get past the checksum test. Stops at the end marker or at a size field
    /// it cannot read.
    static func fixTarChecksums(_ tar: inout [UInt8]) {
        var offset = 0
        while offset + 512 <= tar.count {
            let header = tar[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { return }
            var sum = 0
            for (i, byte) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
            let digits = Array(String(sum, radix: 8).utf8)
            let field =
                Array(repeating: UInt8(ascii: "0"), count: max(0, 6 - digits.count)) + digits.suffix(6)
            tar.replaceSubrange((offset + 148)..<(offset + 156), with: field + [0, UInt8(ascii: " ")])
            var size = 0
            for byte in tar[(offset + 124)..<(offset + 136)] {
                if byte == 0 || byte == UInt8(ascii: " ") { if size > 0 { break } else { continue } }
                guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte), size < 1 << 40 else { return }
                size = size * 8 + Int(byte - UInt8(ascii: "0"))
            }
            offset += 512 + (size + 511) / 512 * 512
        }
    }

    /// A 32-bit value's bytes, least significant first.
    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// A 64-bit value's bytes, least significant first.
    static func littleEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
