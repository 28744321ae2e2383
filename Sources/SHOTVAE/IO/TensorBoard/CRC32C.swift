/// The CRC-32C checksum (Castagnoli's polynomial, reflected: `0x82F63B78`) and TensorFlow's
/// masking of it, which frame every record of a TensorBoard event file.
///
/// A record stores the masked checksums of its length and of its data, so that a reader can
/// tell a torn or corrupted record from a good one. The mask rotates the checksum right by 15
/// bits and adds `0xa282ead8`: a record that contains checksums keeps checksums that are
/// still informative.
enum CRC32C {
    /// The 256 remainders of one byte, for a byte at a time.
    private static let table: [UInt32] = (0..<256).map { byte in
        var remainder = UInt32(byte)
        for _ in 0..<8 { remainder = remainder & 1 == 1 ? (remainder >> 1) ^ 0x82F6_3B78 : remainder >> 1 }
        return remainder
    }

    /// The CRC-32C of `bytes` (of the ASCII digits `123456789`: `0xE3069283`).
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TensorFlow's masked CRC-32C of `bytes`: the checksum rotated right by 15 bits, plus
    /// `0xa282ead8`.
    static func masked(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
