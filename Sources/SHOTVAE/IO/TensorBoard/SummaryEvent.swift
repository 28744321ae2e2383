/// One event of a TensorBoard event file: TensorFlow's `Event` message (`event.proto`) with
/// either the file's version or a `Summary` of tagged scalars and images (`summary.proto`),
/// encoded in the protocol-buffer wire format by hand, for the few fields written:
///
/// ```
/// Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
/// Summary { repeated Value value = 1; }
/// Value   { string tag = 1; float simple_value = 2; Image image = 4; }
/// Image   { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
/// ```
struct SummaryEvent: Equatable {
    /// Seconds since 1970 when the event was written.
    var wallTime: Double
    /// The training step the event belongs to (TensorBoard's horizontal axis).
    var step: Int
    /// What the event carries.
    var content: Content

    /// The payload of an event.
    enum Content: Equatable {
        /// The first event of every file: `brain.Event:2`.
        case fileVersion(String)
        /// Values under their tags.
        case summary([Value])
    }

    /// One tagged value of a summary.
    struct Value: Equatable {
        /// The name TensorBoard shows and groups by (its part before the first `/`).
        var tag: String
        /// The number or the picture.
        var kind: Kind
    }

    /// A scalar or a PNG picture.
    enum Kind: Equatable {
        /// A number, stored in single precision as TensorBoard's scalars are.
        case scalar(Float)
        /// A PNG file's bytes with its size and TensorFlow's colour space (1 grey, 2 grey and
        /// alpha, 3 RGB, 4 RGBA).
        case image(png: [UInt8], width: Int, height: Int, colorspace: Int)
    }

    /// The version string TensorBoard expects in a file's first event.
    static let version = "brain.Event:2"

    /// The event in the protocol-buffer wire format.
    func encoded() -> [UInt8] {
        var event = WireWriter()
        event.fixed64(field: 1, wallTime.bitPattern)
        event.varint(field: 2, UInt64(bitPattern: Int64(step)))
        switch content {
        case .fileVersion(let version):
            event.bytes(field: 3, Array(version.utf8))
        case .summary(let values):
            var summary = WireWriter()
            for value in values {
                var message = WireWriter()
                message.bytes(field: 1, Array(value.tag.utf8))
                switch value.kind {
                case .scalar(let number):
                    message.fixed32(field: 2, number.bitPattern)
                case let .image(png, width, height, colorspace):
                    var image = WireWriter()
                    image.varint(field: 1, UInt64(height))
                    image.varint(field: 2, UInt64(width))
                    image.varint(field: 3, UInt64(colorspace))
                    image.bytes(field: 4, png)
                    message.bytes(field: 4, image.bytes)
                }
                summary.bytes(field: 1, message.bytes)
            }
            event.bytes(field: 5, summary.bytes)
        }
        return event.bytes
    }

    /// The `step` of an encoded event, or `nil` when the bytes are not a well-formed message
    /// (a field runs past the end, or a wire type is unknown). An event without the field is
    /// at step 0.
    static func step(ofEncoded bytes: [UInt8]) -> Int? {
        var index = 0
        var step = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while index < bytes.count {
            guard let key = varint() else { return nil }
            switch key & 7 {
            case 0:
                guard let value = varint() else { return nil }
                if key >> 3 == 2 { step = Int(Int64(bitPattern: value)) }
            case 1: index += 8
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - index) else { return nil }
                index += Int(length)
            case 5: index += 4
            default: return nil
            }
            if index > bytes.count { return nil }
        }
        return step
    }

    /// The colour space of a PNG file for an image summary, and its size, read from its header;
    /// `nil` when `png` is not a PNG file.
    static func imageKind(png: [UInt8]) -> Kind? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard png.count >= 33, Array(png[0..<8]) == signature, Array(png[12..<16]) == Array("IHDR".utf8) else { return nil }
        func bigEndian(_ offset: Int) -> Int { png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
        // Colour types: 0 grey, 2 RGB, 3 palette (RGB), 4 grey and alpha, 6 RGBA.
        let colorspace: Int
        switch png[25] {
        case 0: colorspace = 1
        case 4: colorspace = 2
        case 2, 3: colorspace = 3
        case 6: colorspace = 4
        default: return nil
        }
        return .image(png: png, width: bigEndian(16), height: bigEndian(20), colorspace: colorspace)
    }
}

/// Appends protocol-buffer fields: a key (`field << 3 | wire type`) and the value.
private struct WireWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func rawVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Wire type 0.
    mutating func varint(field: Int, _ value: UInt64) {
        rawVarint(UInt64(field << 3))
        rawVarint(value)
    }

    /// Wire type 1, little-endian.
    mutating func fixed64(field: Int, _ value: UInt64) {
        rawVarint(UInt64(field << 3 | 1))
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Wire type 5, little-endian.
    mutating func fixed32(field: Int, _ value: UInt32) {
        rawVarint(UInt64(field << 3 | 5))
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Wire type 2: the length, then the bytes.
    mutating func bytes(field: Int, _ value: [UInt8]) {
        rawVarint(UInt64(field << 3 | 2))
        rawVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }
}
