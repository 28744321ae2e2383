import Foundation

extension SafeTensors {
    /// The largest header accepted, as the reference implementation does (100 MB).
    static let maximumHeaderLength = 100_000_000

    /// Reads and validates a safetensors file.
    ///
    /// - Parameter url: The file.
    /// - Throws: ``SHOTVAEError`` naming the file and the problem: unreadable, truncated,
    ///   header length past the end or absurd, invalid JSON, unknown dtype, bad shape,
    ///   offsets out of range or overlapping, or a size that does not match the shape.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SHOTVAEError(.fileSystem, path: url.path, "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(bytes: [UInt8](data), source: url.path)
    }

    /// Parses and validates the bytes of a safetensors file.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - source: The name to use in errors (usually the path).
    /// - Throws: ``SHOTVAEError`` naming `source` and the problem.
    public init(bytes: [UInt8], source: String) throws {
        func fail(_ reason: String) -> SHOTVAEError { SHOTVAEError(.invalidFile, path: source, reason) }

        guard bytes.count >= 8 else {
            throw fail("truncated: \(bytes.count) bytes, but the header length alone takes 8")
        }
        let declared = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard declared <= UInt64(SafeTensors.maximumHeaderLength) else {
            throw fail("header length \(declared) exceeds the limit of \(SafeTensors.maximumHeaderLength) bytes")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw fail("header length \(headerLength) extends past the end of the file (\(bytes.count - 8) bytes after the length)")
        }
        guard headerLength >= 2 else {
            throw fail("header length \(headerLength) is too short for a JSON object")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)]))
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart

        var ranges: [(name: String, range: Range<Int>)] = []
        var parsed: [String: Entry] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let object = value as? [String: Any] else {
                    throw fail("\"__metadata__\" is not an object of strings")
                }
                for (key, item) in object {
                    guard let text = item as? String else {
                        throw fail("metadata \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let fields = value as? [String: Any] else {
                throw fail("tensor \"\(name)\": description is not an object")
            }
            guard let dtypeName = fields["dtype"] as? String else {
                throw fail("tensor \"\(name)\": missing \"dtype\"")
            }
            guard let dataType = DataType(rawValue: dtypeName) else {
                throw fail("tensor \"\(name)\": unknown dtype \"\(dtypeName)\"")
            }
            guard let shapeArray = fields["shape"] as? [Any] else {
                throw fail("tensor \"\(name)\": missing or malformed \"shape\"")
            }
            var shape: [Int] = []
            var elementCount = 1
            for item in shapeArray {
                guard let size = jsonInteger(item), size >= 0 else {
                    throw fail("tensor \"\(name)\": shape \(shapeArray) has a size that is not a non-negative integer")
                }
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
                guard !overflow, product <= Int(Int32.max) * 16 else {
                    throw fail("tensor \"\(name)\": shape \(shapeArray) is absurdly large")
                }
                elementCount = product
                shape.append(size)
            }
            guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
                let begin = jsonInteger(offsets[0]), let end = jsonInteger(offsets[1])
            else {
                throw fail("tensor \"\(name)\": \"data_offsets\" is not a pair of integers")
            }
            guard begin >= 0, begin <= end else {
                throw fail("tensor \"\(name)\": data offsets \(begin)..<\(end) are not an increasing range")
            }
            guard end <= dataLength else {
                throw fail("tensor \"\(name)\": data offsets \(begin)..<\(end) end past the data section (\(dataLength) bytes)")
            }
            let expected = elementCount * dataType.byteCount
            guard end - begin == expected else {
                throw fail("tensor \"\(name)\": \(end - begin) bytes of data, but \(dtypeName) of shape \(shape) needs \(expected)")
            }
            ranges.append((name, begin..<end))
            parsed[name] = Entry(
                dataType: dataType, shape: shape,
                bytes: Array(bytes[(dataStart + begin)..<(dataStart + end)]))
        }

        // Tensors must tile the data section exactly: no overlap, no hole, nothing after.
        ranges.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var covered = 0
        for (name, range) in ranges {
            if range.lowerBound < covered {
                throw fail("tensor \"\(name)\": data offsets \(range.lowerBound)..<\(range.upperBound) overlap another tensor")
            }
            if range.lowerBound > covered {
                throw fail("bytes \(covered)..<\(range.lowerBound) of the data section belong to no tensor")
            }
            covered = range.upperBound
        }
        if covered != dataLength {
            throw fail("bytes \(covered)..<\(dataLength) of the data section belong to no tensor")
        }
        for (name, _) in ranges {
            set(name, parsed[name]!)
        }
    }
}

/// An integer from a JSON number, or `nil` for booleans, fractions and values out of range.
func jsonInteger(_ value: Any) -> Int? {
    // JSON booleans arrive as NSNumber too (type code "c"); they are not sizes.
    guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
    return value as? Int
}
