import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TensorBoard event file, `events.out.tfevents.<seconds>.<host>`, that a run appends
/// ``SummaryEvent``s to as it trains.
///
/// Each event is one TFRecord: its length (8 bytes, little-endian), the masked CRC-32C of
/// those 8 bytes, the event, and the masked CRC-32C of the event (``CRC32C``). The first event
/// is the file version. A resumed run continues the same file: events of steps past the
/// checkpoint it resumes from (written before an interruption, and written again by the
/// resumed run) are dropped first, and so is a record torn by a crash, so that the steps of the
/// file keep increasing.
final class EventFile {
    /// The file.
    let url: URL
    private let descriptor: Int32

    /// The prefix of every event file's name, which TensorBoard looks for.
    static let namePrefix = "events.out.tfevents."

    private init(url: URL) throws {
        self.url = url
        descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw SHOTVAEError(.fileSystem, path: url.path, "cannot open the event file: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Starts a new event file in `folder` for a run that starts afresh, removing the event
    /// files of an earlier run there (its other records are replaced too), and writes the
    /// version event.
    static func create(in folder: URL, wallTime: Double) throws -> EventFile {
        for old in try eventFiles(in: folder) {
            do {
                try FileManager.default.removeItem(at: old)
            } catch {
                throw SHOTVAEError(.fileSystem, path: old.path, "cannot remove the earlier run's event file (\(error.localizedDescription))")
            }
        }
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_")
        let url = folder.appendingPathComponent(namePrefix + "\(Int(wallTime)).\(host)")
        try AtomicFile.write(framed(SummaryEvent(wallTime: wallTime, step: 0, content: .fileVersion(SummaryEvent.version)).encoded()), to: url)
        return try EventFile(url: url)
    }

    /// Continues the newest event file in `folder` for a run resumed at `step`: the events up
    /// to that step are kept, later ones and a torn last record dropped (the file is rewritten
    /// atomically when anything is). Starts a new file when the folder has none.
    static func resume(in folder: URL, atStep step: Int, wallTime: Double) throws -> EventFile {
        guard let newest = try eventFiles(in: folder).last else { return try create(in: folder, wallTime: wallTime) }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: newest))
        } catch {
            throw SHOTVAEError(.fileSystem, path: newest.path, "cannot read the event file to resume it (\(error.localizedDescription))")
        }
        let (records, length) = records(in: bytes)
        let kept = records.prefix { (SummaryEvent.step(ofEncoded: $0) ?? .max) <= step }
        if kept.count < records.count || length < bytes.count {
            try AtomicFile.write(kept.flatMap(framed), to: newest)
        }
        return try EventFile(url: newest)
    }

    /// The event files in `folder`, oldest first (their names start with the time).
    static func eventFiles(in folder: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw SHOTVAEError(.fileSystem, path: folder.path, "cannot list the output folder (\(error.localizedDescription))")
        }
        return names.filter { $0.hasPrefix(namePrefix) }
            .sorted { (Int($0.dropFirst(namePrefix.count).prefix { $0.isNumber }) ?? 0, $0) < (Int($1.dropFirst(namePrefix.count).prefix { $0.isNumber }) ?? 0, $1) }
            .map { folder.appendingPathComponent($0) }
    }

    /// Appends `event`.
    func append(_ event: SummaryEvent) throws {
        let record = Self.framed(event.encoded())
        var written = 0
        try record.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw SHOTVAEError(.fileSystem, path: url.path, "cannot write to the event file: \(String(cString: strerror(errno)))")
                }
                written += result
            }
        }
    }

    /// `data` as one record: length, its masked CRC-32C, the data, its masked CRC-32C.
    static func framed(_ data: [UInt8]) -> [UInt8] {
        var length = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { length[i] = UInt8(truncatingIfNeeded: UInt64(data.count) >> UInt64(8 * i)) }
        return length + littleEndian(CRC32C.masked(length)) + data + littleEndian(CRC32C.masked(data))
    }

    /// The data of the records at the start of `bytes` whose checksums hold, up to the first
    /// that is torn or damaged, and how many bytes they take.
    static func records(in bytes: [UInt8]) -> (records: [[UInt8]], length: Int) {
        var records: [[UInt8]] = []
        var offset = 0
        while bytes.count - offset >= 16 {
            let header = Array(bytes[offset..<(offset + 8)])
            let count = header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
            guard readLittleEndian(bytes, at: offset + 8) == CRC32C.masked(header),
                  count <= UInt64(bytes.count - offset - 16)
            else { break }
            let start = offset + 12
            let data = Array(bytes[start..<(start + Int(count))])
            guard readLittleEndian(bytes, at: start + Int(count)) == CRC32C.masked(data) else { break }
            records.append(data)
            offset = start + Int(count) + 4
        }
        return (records, offset)
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(8 * $0)) }
    }

    private static func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32(8 * $1) }
    }
}
