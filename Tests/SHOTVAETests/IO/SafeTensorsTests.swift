import Foundation
import Testing

@testable import SHOTVAE

@Suite struct SafeTensorsTests {
    let scratch = TemporaryFolder()

    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        var file = SafeTensors()
        file["b.weight"] = randomTensor([3, 4], seed: 1)
        file["a.bias"] = Tensor(shape: [4], scalars: [1, 2, 3, 4])
        file["scalar"] = Tensor(7)
        file["empty"] = Tensor(shape: [0, 3])
        file.set("rng", unsignedIntegers: [1, .max, 42])
        file.metadata["configuration"] = "{\"labels\": 100, \"name\": \"quote \\\" and\\nnewline\"}"
        let url = scratch.file("model.safetensors")
        try file.write(to: url)
        let loaded = try SafeTensors(contentsOf: url)
        #expect(Set(loaded.names) == Set(file.names))
        for name in ["b.weight", "a.bias", "scalar", "empty"] {
            #expect(try loaded.tensor(named: name) == file.tensor(named: name))
        }
        #expect(try loaded.unsignedIntegers(named: "rng") == [1, .max, 42])
        #expect(loaded.metadata == file.metadata)
        // The data section starts 8-byte aligned, as the reference writer does.
        let bytes = try Data(contentsOf: url)
        #expect(bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } % 8 == 0)
    }

    @Test func readsTheFixturesWrittenByPython() throws {
        let file = try SafeTensors(contentsOf: fixtureURL("log_softmax.safetensors"))
        #expect(try file.tensor(named: "input").shape == [5, 7])
    }

    @Test func missingOrMistypedEntriesThrow() throws {
        var file = SafeTensors()
        file.set("counter", unsignedIntegers: [1])
        #expect(throws: SHOTVAEError.self) { try file.tensor(named: "absent") }
        #expect(throws: SHOTVAEError.self) { try file.tensor(named: "counter") }
    }

    @Test func unreadableFileNamesThePath() {
        let url = scratch.file("missing.safetensors")
        do {
            _ = try SafeTensors(contentsOf: url)
            Issue.record("expected an error")
        } catch let error as SHOTVAEError {
            #expect(error.kind == .fileSystem)
            #expect(error.description.hasPrefix(url.path))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    // MARK: - Bad files: each throws an error naming the file and the problem.

    /// A file made of a raw header string and `dataLength` zero bytes of data.
    static func file(header: String, dataLength: Int = 0, declaredLength: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + headerBytes + [UInt8](repeating: 0, count: dataLength)
    }

    static let validEntry = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    static let badFiles: [(String, [UInt8], String)] = [
        ("truncated before the length", [1, 2, 3], "truncated"),
        ("header past the end", file(header: validEntry, dataLength: 8, declaredLength: 4096), "past the end"),
        ("absurd header length", file(header: "{}", declaredLength: 1 << 40), "exceeds the limit"),
        ("invalid JSON", file(header: #"{"w": {"dtype": "F32", "#), "not valid JSON"),
        ("JSON that is not an object", file(header: "[1, 2]  "), "not a JSON object"),
        ("unknown dtype", file(header: #"{"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}"#, dataLength: 8), "unknown dtype"),
        ("missing dtype", file(header: #"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, dataLength: 8), "missing \"dtype\""),
        ("negative size", file(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, dataLength: 8), "not a non-negative integer"),
        ("fractional size", file(header: #"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, dataLength: 8), "not a non-negative integer"),
        ("absurd shape", file(header: #"{"w":{"dtype":"F32","shape":[100000,100000,100000],"data_offsets":[0,8]}}"#, dataLength: 8), "absurdly large"),
        ("offsets past the data", file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataLength: 4), "end past the data section"),
        ("decreasing offsets", file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, dataLength: 8), "not an increasing range"),
        ("malformed offsets", file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, dataLength: 8), "not a pair of integers"),
        ("size does not match shape", file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataLength: 8), "needs 12"),
        ("overlapping tensors", file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataLength: 8), "overlap"),
        ("hole in the data", file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataLength: 8), "belong to no tensor"),
        ("trailing bytes", file(header: validEntry, dataLength: 12), "belong to no tensor"),
        ("metadata not strings", file(header: #"{"__metadata__":{"epoch":3}}"#), "not a string"),
        ("entry not an object", file(header: #"{"w":5}"#), "not an object"),
    ]

    @Test(arguments: badFiles.indices)
    func badFileThrowsAClearError(index: Int) {
        let (what, bytes, expectedReason) = Self.badFiles[index]
        do {
            _ = try SafeTensors(bytes: bytes, source: "bad.safetensors")
            Issue.record("\(what): no error thrown")
        } catch let error as SHOTVAEError {
            #expect(error.kind == .invalidFile, "\(what)")
            #expect(error.description.hasPrefix("bad.safetensors: "), "\(what): \(error)")
            #expect(error.reason.contains(expectedReason), "\(what): \(error)")
        } catch {
            Issue.record("\(what): unexpected error \(error)")
        }
    }

    /// Every prefix of a valid file is rejected with an error, never a crash.
    @Test func everyTruncationIsRejected() throws {
        var file = SafeTensors()
        file["w"] = randomTensor([3, 2], seed: 2)
        file.metadata["k"] = "v"
        let bytes = file.serialized()
        #expect(throws: Never.self) { try SafeTensors(bytes: bytes, source: "whole") }
        for length in 0..<bytes.count {
            #expect(throws: SHOTVAEError.self) { try SafeTensors(bytes: Array(bytes.prefix(length)), source: "cut") }
        }
    }

    @Test func atomicWriteKeepsThePreviousFileWhenInterrupted() throws {
        let url = scratch.file("checkpoint.safetensors")
        var first = SafeTensors()
        first["w"] = Tensor(shape: [2], scalars: [1, 2])
        try first.write(to: url)
        var second = SafeTensors()
        second["w"] = Tensor(shape: [2], scalars: [3, 4])
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try AtomicFile.write(second.serialized(), to: url) { throw Crash() }
        }
        #expect(try SafeTensors(contentsOf: url).tensor(named: "w").scalars == [1, 2])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(leftovers == ["checkpoint.safetensors"])
    }
}
