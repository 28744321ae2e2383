import Foundation

/// A set of named tensors in the safetensors format, the format of SHOTVAE's checkpoints.
///
/// The layout (https://github.com/huggingface/safetensors): 8 bytes with the header length
/// `n` (unsigned, little-endian), `n` bytes of JSON mapping each name to its `dtype`,
/// `shape` and `data_offsets` (plus an optional `__metadata__` object of strings), then the
/// raw little-endian data. Files written here load with Python's
/// `safetensors.numpy.load_file` and with PyTorch.
///
/// ```swift
/// var file = SafeTensors()
/// file["encoder.weight"] = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
/// file.metadata["epoch"] = "3"
/// try file.write(to: URL(fileURLWithPath: "model.safetensors"))
/// let loaded = try SafeTensors(contentsOf: URL(fileURLWithPath: "model.safetensors"))
/// let weight = try loaded.tensor(named: "encoder.weight")
/// ```
public struct SafeTensors: Sendable {
    /// The element types of the format.
    public enum DataType: String, CaseIterable, Sendable {
        /// 64-bit IEEE float.
        case float64 = "F64"
        /// 32-bit IEEE float, the type of every ``Tensor``.
        case float32 = "F32"
        /// 16-bit IEEE float.
        case float16 = "F16"
        /// bfloat16.
        case bfloat16 = "BF16"
        /// Signed integers.
        case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8"
        /// Unsigned integers.
        case uint64 = "U64", uint32 = "U32", uint16 = "U16", uint8 = "U8"
        /// Booleans, one byte each.
        case bool = "BOOL"

        /// Bytes per element.
        public var byteCount: Int {
            switch self {
            case .float64, .int64, .uint64: return 8
            case .float32, .int32, .uint32: return 4
            case .float16, .bfloat16, .int16, .uint16: return 2
            case .int8, .uint8, .bool: return 1
            }
        }
    }

    /// One stored array: its element type, shape and raw little-endian bytes.
    public struct Entry: Equatable, Sendable {
        /// The element type.
        public var dataType: DataType
        /// The size of each dimension.
        public var shape: [Int]
        /// The elements, little-endian, row-major.
        public var bytes: [UInt8]

        /// Creates an entry; `bytes.count` must equal the element count times the type's size.
        public init(dataType: DataType, shape: [Int], bytes: [UInt8]) {
            precondition(
                bytes.count == shape.reduce(1, *) * dataType.byteCount,
                "\(bytes.count) bytes do not hold \(dataType.rawValue) data of shape \(shape).")
            self.dataType = dataType
            self.shape = shape
            self.bytes = bytes
        }
    }

    /// The stored arrays, by name.
    public private(set) var entries: [String: Entry] = [:]
    /// The names in the order they were added (and are written).
    public private(set) var names: [String] = []
    /// Free-form string metadata (the header's `__metadata__`).
    public var metadata: [String: String] = [:]

    /// An empty set.
    public init() {}

    /// Adds or replaces an entry.
    public mutating func set(_ name: String, _ entry: Entry) {
        precondition(name != "__metadata__", "\"__metadata__\" is reserved by the format.")
        if entries.updateValue(entry, forKey: name) == nil { names.append(name) }
    }

    /// A `Float32` tensor by name; assigning stores it as `F32`, assigning `nil` removes it.
    public subscript(name: String) -> Tensor? {
        get { try? tensor(named: name) }
        set {
            guard let newValue else {
                entries[name] = nil
                names.removeAll { $0 == name }
                return
            }
            let bytes = newValue.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
            set(name, Entry(dataType: .float32, shape: newValue.shape, bytes: bytes))
        }
    }

    /// Stores 64-bit unsigned integers (random-generator state, counters) as `U64`.
    public mutating func set(_ name: String, unsignedIntegers values: [UInt64]) {
        let bytes = values.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
        set(name, Entry(dataType: .uint64, shape: [values.count], bytes: bytes))
    }

    /// The `F32` tensor stored under `name`.
    ///
    /// - Throws: ``SHOTVAEError`` when there is no such entry or it is not `F32`.
    public func tensor(named name: String) throws -> Tensor {
        let entry = try self.entry(named: name)
        guard entry.dataType == .float32 else {
            throw SHOTVAEError(.mismatch, "tensor \"\(name)\" is \(entry.dataType.rawValue), expected F32")
        }
        var tensor = Tensor(uninitializedShape: entry.shape)
        tensor.withUnsafeMutableBufferPointer { destination in
            entry.bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(destination).copyMemory(from: source)
            }
        }
        return tensor
    }

    /// The `U64` values stored under `name`.
    ///
    /// - Throws: ``SHOTVAEError`` when there is no such entry or it is not `U64`.
    public func unsignedIntegers(named name: String) throws -> [UInt64] {
        let entry = try self.entry(named: name)
        guard entry.dataType == .uint64 else {
            throw SHOTVAEError(.mismatch, "tensor \"\(name)\" is \(entry.dataType.rawValue), expected U64")
        }
        return entry.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
    }

    /// The entry stored under `name`.
    ///
    /// - Throws: ``SHOTVAEError`` when there is no such entry.
    public func entry(named name: String) throws -> Entry {
        guard let entry = entries[name] else {
            throw SHOTVAEError(.mismatch, "no tensor named \"\(name)\"")
        }
        return entry
    }

    // MARK: - Writing

    /// The file's bytes: header length, JSON header (padded with spaces to a multiple of 8
    /// bytes, so the data stays aligned), data.
    public func serialized() -> [UInt8] {
        var header = "{"
        var offset = 0
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        for name in names {
            let entry = entries[name]!
            let end = offset + entry.bytes.count
            fields.append(
                "\(jsonString(name)):{\"dtype\":\"\(entry.dataType.rawValue)\",\"shape\":[\(entry.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: headerBytes)
        for name in names { bytes.append(contentsOf: entries[name]!.bytes) }
        return bytes
    }

    /// Writes the file atomically: a crash leaves either the old file or the new one.
    ///
    /// - Throws: ``SHOTVAEError`` when the file system refuses.
    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url)
    }
}

/// A JSON string literal for `text`, with the escapes JSON requires.
func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20:
            result += String(format: "\\u%04x", scalar.value)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
