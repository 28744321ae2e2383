extension SafeTensors {
    /// The entry under `name` as a `Float32` tensor, converted from any floating-point type the
    /// format has: `F32` as stored, `F16` and `BF16` widened exactly, `F64` rounded to nearest.
    /// Weights exported from PyTorch in half or double precision load this way.
    ///
    /// - Throws: ``SHOTVAEError`` when there is no such entry or it is not floating point.
    public func floats(named name: String) throws -> Tensor {
        let entry = try self.entry(named: name)
        let count = entry.shape.reduce(1, *)
        var tensor = Tensor(uninitializedShape: entry.shape)
        let destination = tensor.mutablePointer
        entry.bytes.withUnsafeBytes { raw in
            switch entry.dataType {
            case .float32:
                for i in 0..<count { destination[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
            case .float16:
                for i in 0..<count {
                    destination[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bfloat16:
                for i in 0..<count {
                    destination[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
                }
            case .float64:
                for i in 0..<count { destination[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
            default:
                break
            }
        }
        guard [.float32, .float16, .bfloat16, .float64].contains(entry.dataType) else {
            throw SHOTVAEError(.mismatch, "tensor \"\(name)\" is \(entry.dataType.rawValue), expected a floating-point type (F32, F16, BF16, F64)")
        }
        return tensor
    }

    /// The entry under `name` as signed integers with its shape: `I64` and `I32` (PyTorch's
    /// `long` and `int` tensors, such as a batch norm's `num_batches_tracked`).
    ///
    /// - Throws: ``SHOTVAEError`` when there is no such entry or it is not `I64` or `I32`.
    public func integers(named name: String) throws -> (shape: [Int], values: [Int]) {
        let entry = try self.entry(named: name)
        let count = entry.shape.reduce(1, *)
        let values: [Int] = try entry.bytes.withUnsafeBytes { raw in
            switch entry.dataType {
            case .int64: return (0..<count).map { Int(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .int32: return (0..<count).map { Int(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            default: throw SHOTVAEError(.mismatch, "tensor \"\(name)\" is \(entry.dataType.rawValue), expected I64 or I32")
            }
        }
        return (entry.shape, values)
    }

    /// Stores signed integers as `I64` with `shape` (`[]` for a scalar).
    public mutating func set(_ name: String, integers values: [Int], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) integers do not fill the shape \(shape).")
        let bytes = values.map(Int64.init).withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
        set(name, Entry(dataType: .int64, shape: shape, bytes: bytes))
    }
}
