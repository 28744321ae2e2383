import Foundation
import Testing

@testable import SHOTVAE

/// The TensorBoard event file's format without TensorBoard: the CRC-32C check value, the
/// record framing, the protocol-buffer encoding read back, a torn record, and a resumed file
/// cut back to the checkpoint's step. `TrainerTests.tensorBoardReaderReadsTheRun` reads a
/// run's file with TensorBoard itself.
struct EventFileTests {
    let scratch = TemporaryFolder()

    @Test func checksumsMatchTheStandard() {
        // The CRC-32C check value (RFC 3720, appendix B.4) and 32 bytes of zeros.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        let crc = CRC32C.checksum(Array("123456789".utf8))
        #expect(CRC32C.masked(Array("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    @Test func recordsFrameAndReadBack() {
        let events = (0..<5).map { step in
            SummaryEvent(wallTime: 1.5e9 + Double(step), step: step * 10,
                         content: .summary([.init(tag: "train/total", kind: .scalar(Float(step) / 3))]))
        }
        let bytes = events.flatMap { EventFile.framed($0.encoded()) }
        let (records, length) = EventFile.records(in: bytes)
        #expect(length == bytes.count)
        #expect(records == events.map { $0.encoded() })
        #expect(records.map(SummaryEvent.step(ofEncoded:)) == [0, 10, 20, 30, 40])
        // The layout of one record: length, masked CRC of the length, data, masked CRC of the data.
        let data = events[0].encoded()
        let first = EventFile.framed(data)
        #expect(first.count == data.count + 16)
        #expect(Array(first[0..<8]) == (0..<8).map { UInt8(truncatingIfNeeded: data.count >> (8 * $0)) })

        // A record torn by a crash, or with a flipped bit, ends what is read.
        let torn = Array(bytes.dropLast(3))
        #expect(EventFile.records(in: torn).records.count == 4)
        var flipped = bytes
        flipped[first.count * 2 + 20] ^= 0x10
        #expect(EventFile.records(in: flipped).records.count == 2)
        #expect(EventFile.records(in: Array(bytes.prefix(10))).records.isEmpty)
    }

    @Test func encodingCarriesEveryField() {
        let event = SummaryEvent(wallTime: 1_700_000_000.25, step: 1_234_567, content: .fileVersion(SummaryEvent.version))
        let bytes = event.encoded()
        // wall_time (field 1, fixed64), step (field 2, varint), file_version (field 3, bytes).
        #expect(bytes[0] == 0x09 && Array(bytes[1..<9]) == (0..<8).map { UInt8(truncatingIfNeeded: (1_700_000_000.25).bitPattern >> (8 * UInt64($0))) })
        #expect(bytes[9] == 0x10)
        #expect(SummaryEvent.step(ofEncoded: bytes) == 1_234_567)
        #expect(Array(bytes.suffix(13)) == Array("brain.Event:2".utf8))
        #expect(SummaryEvent.step(ofEncoded: Array(bytes.dropLast(2))) == nil)
    }

    @Test func picturesAreReadFromTheirPNGHeader() throws {
        let png = PNG.encode(width: 5, height: 3, channels: 3, pixels: [UInt8](repeating: 200, count: 45))
        #expect(SummaryEvent.imageKind(png: png) == .image(png: png, width: 5, height: 3, colorspace: 3))
        let grey = PNG.encode(width: 2, height: 7, channels: 1, pixels: [UInt8](repeating: 9, count: 14))
        #expect(SummaryEvent.imageKind(png: grey) == .image(png: grey, width: 2, height: 7, colorspace: 1))
        #expect(SummaryEvent.imageKind(png: Array("<svg></svg>".utf8)) == nil)
    }

    /// A fresh run replaces an earlier run's file; a resumed one keeps the events up to its
    /// checkpoint's step, drops later ones and a torn record, and appends after them.
    @Test func resumedFileKeepsTheStepsBeforeItsCheckpoint() throws {
        let folder = scratch.url
        let stray = folder.appendingPathComponent(EventFile.namePrefix + "100.earlier")
        try Data([1, 2, 3]).write(to: stray)
        let file = try EventFile.create(in: folder, wallTime: 1_800_000_000)
        #expect(!FileManager.default.fileExists(atPath: stray.path))
        for step in stride(from: 10, through: 60, by: 10) {
            try file.append(SummaryEvent(wallTime: 1_800_000_000, step: step,
                                         content: .summary([.init(tag: "train/total", kind: .scalar(Float(step)))])))
        }
        let url = file.url
        #expect(url.lastPathComponent.hasPrefix(EventFile.namePrefix + "1800000000."))
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([7, 0, 0, 0, 0, 0, 0, 0, 1]))  // a torn record
        try handle.close()

        let resumed = try EventFile.resume(in: folder, atStep: 30, wallTime: 1_800_000_500)
        #expect(resumed.url == url)
        try resumed.append(SummaryEvent(wallTime: 1_800_000_500, step: 40,
                                        content: .summary([.init(tag: "train/total", kind: .scalar(-1))])))
        let (records, length) = EventFile.records(in: Array(try Data(contentsOf: url)))
        #expect(length == (try Data(contentsOf: url)).count)
        #expect(records.map(SummaryEvent.step(ofEncoded:)) == [0, 10, 20, 30, 40])
        #expect(try EventFile.eventFiles(in: folder) == [url])
    }
}
