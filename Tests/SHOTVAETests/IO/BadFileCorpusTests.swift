import Foundation
import Testing

@testable import SHOTVAE

/// Replays the corpus of bad files in `Fixtures/Data/BadFiles/<format>/` through their readers.
///
/// Each file must make its reader throw a ``SHOTVAEError`` (never crash) whose description
/// starts with the source name the reader was given and whose reason contains the fragment
/// listed for it below. `checkpoint-restore` files are valid checkpoints that do not fit the
/// small model of the checkpoint tests: `restore(model:optimizer:)`, which is given no file
/// name, must throw a `.mismatch` and leave the model unchanged. The hand-made files come from
/// `shotvae-fuzz bad-files` (Fuzz/README.md); files named `fuzz-*` would be inputs that
/// libFuzzer found (see Documentation/Fuzzing.md).
@Suite struct BadFileCorpusTests {
    /// The formats, each a folder of the corpus.
    static let formats = [
        "idx", "idx-gzip", "gzip", "cifar", "cifar-tgz", "safetensors", "checkpoint", "checkpoint-restore",
    ]

    /// A fragment of the expected reason, by `<format>/<file name>`.
    static let expectedReasons: [String: String] = [
        "checkpoint-restore/buffer-missing.safetensors": "buffer \"1.running_var\" is missing",
        "checkpoint-restore/optimizer-counter-foreign.safetensors":
            "optimizer counter \"step.-1\" does not belong",
        "checkpoint-restore/optimizer-one-moment.safetensors": "only one of its two moments",
        "checkpoint-restore/optimizer-state-foreign.safetensors":
            "optimizer state \"momentum.0\" does not belong",
        "checkpoint-restore/optimizer-state-index-out-of-range.safetensors":
            "optimizer state \"exp_avg.99\" does not belong",
        "checkpoint-restore/optimizer-state-wrong-shape.safetensors":
            "optimizer state \"exp_avg.0\" has shape [1]",
        "checkpoint-restore/parameter-extra.safetensors":
            "parameter \"9.weight\" that the model does not have",
        "checkpoint-restore/parameter-missing.safetensors": "parameter \"3.bias\" is missing",
        "checkpoint-restore/parameter-wrong-shape.safetensors": "parameter \"0.weight\" has shape [4, 8]",
        "checkpoint/buffers-missing.safetensors": "metadata \"buffers\" is missing",
        "checkpoint/buffers-not-json.safetensors": "metadata \"buffers\" is not valid",
        "checkpoint/counters-not-integers.safetensors": "metadata \"counters\" is not valid",
        "checkpoint/epoch-negative.safetensors": "counter \"epoch\" is -1",
        "checkpoint/generator-all-zero.safetensors": "four words, not all zero",
        "checkpoint/generator-not-u64.safetensors": "tensor \"generator/data\" is F32, expected U64",
        "checkpoint/generator-three-words.safetensors": "four words, not all zero",
        "checkpoint/not-safetensors.safetensors":
            "not a SHOTVAE checkpoint (not a valid safetensors file: header length 7359009851570397281",
        "checkpoint/optimizer-counters-missing.safetensors": "metadata \"optimizer_counters\" is missing",
        "checkpoint/optimizer-step-at-int-max.safetensors": "counter \"step.0\" is 9223372036854775807",
        "checkpoint/other-format.safetensors": "not a SHOTVAE checkpoint",
        "checkpoint/parameter-not-f32.safetensors": "tensor \"0.weight\" is I32, expected F32",
        "checkpoint/plain-safetensors.safetensors": "metadata \"format\" is missing",
        "checkpoint/random-bytes.safetensors":
            "not a SHOTVAE checkpoint (not a valid safetensors file: header length 12923355070828475994",
        "cifar-tgz/cifar10-bad-header-checksum.tar.gz": "bad tar header checksum at byte 512",
        "cifar-tgz/cifar10-base256-size-too-large.tar.gz": "tar size field at byte 636 is too large",
        "cifar-tgz/cifar10-empty-archive.tar.gz": "the archive has no data_batch_1.bin",
        "cifar-tgz/cifar10-entry-past-end.tar.gz": "declares 8589934591 bytes",
        "cifar-tgz/cifar10-garbage-after-gzip.tar.gz": "not another gzip member",
        "cifar-tgz/cifar10-malformed-size.tar.gz": "malformed tar size field",
        "cifar-tgz/cifar10-missing-test-batch.tar.gz": "the archive has no test_batch.bin",
        "cifar-tgz/cifar10-record-size.tar.gz": "100 bytes is not a whole number of 3073-byte records",
        "cifar-tgz/cifar10-text-file.tar.gz": "the header at byte 0 is cut off",
        "cifar-tgz/cifar10-truncated-gzip.tar.gz": "truncated gzip stream",
        "cifar-tgz/cifar100-label-out-of-range.tar.gz": "label 200 of record 0 is out of range 0..<100",
        "cifar/cifar10-empty.bin": "0 bytes is not a whole number",
        "cifar/cifar10-label-out-of-range.bin": "label 10 of record 1 is out of range 0..<10",
        "cifar/cifar10-part-of-a-record.bin": "3072 bytes is not a whole number of 3073-byte records",
        "cifar/cifar100-coarse-label-out-of-range.bin": "coarse label 20 of record 0",
        "cifar/cifar100-fine-label-out-of-range.bin": "label 100 of record 0 is out of range 0..<100",
        "cifar/cifar100-given-cifar10-records.bin": "not a whole number of 3074-byte records",
        "gzip/bomb-2MiB.gz": "expands to more than 1048576 bytes",
        "idx-gzip/bad-idx-inside.idx.gz": "the header promises 12",
        "idx-gzip/corrupt-second-member.idx.gz": "CRC-32 mismatch in member 2",
        "idx-gzip/crc-mismatch.idx.gz": "CRC-32 mismatch in member 1",
        "idx-gzip/empty-member.idx.gz": "truncated header: 0 bytes",
        "idx-gzip/garbage-after-member.idx.gz": "13 bytes after the end of gzip member 1",
        "idx-gzip/header-crc-mismatch.idx.gz": "header crc mismatch",
        "idx-gzip/header-only.idx.gz": "truncated gzip stream",
        "idx-gzip/length-mismatch.idx.gz": "gzip length mismatch",
        "idx-gzip/partial-second-member.idx.gz": "end inside member 2",
        "idx-gzip/reserved-block-type.idx.gz": "invalid block type",
        "idx-gzip/reserved-flags.idx.gz": "unknown header flags set",
        "idx-gzip/truncated-deflate.idx.gz": "end inside member 1",
        "idx-gzip/unknown-method.idx.gz": "unknown compression method",
        "idx/data-extra.idx": "1 extra bytes",
        "idx/data-truncated.idx": "7 bytes of data, the header promises 12",
        "idx/empty.idx": "truncated header: 0 bytes",
        "idx/five-dimensions.idx": "5 dimensions",
        "idx/float-elements.idx": "unsupported element type 0x0d",
        "idx/sizes-cut-off.idx": "the sizes of 3 dimensions need a header of 16",
        "idx/sizes-over-limit.idx": "more than the limit of 2^31 elements",
        "idx/sizes-overflow.idx": "more than the limit of 2^31 elements",
        "idx/wrong-magic.idx": "wrong magic number 50 4b 03 04",
        "idx/zero-dimensions.idx": "0 dimensions",
        "safetensors/absurd-header-length.safetensors": "header length 9223372036854775808 exceeds the limit",
        "safetensors/absurd-shape.safetensors": "absurdly large",
        "safetensors/boolean-size.safetensors": "not a non-negative integer",
        "safetensors/bytes-after-tensors.safetensors": "bytes 8..<12 of the data section belong to no tensor",
        "safetensors/deeply-nested-json.safetensors": "header is not valid JSON",
        "safetensors/description-not-object.safetensors": "description is not an object",
        "safetensors/empty.safetensors": "truncated: 0 bytes",
        "safetensors/header-not-object.safetensors": "header is not a JSON object",
        "safetensors/header-past-end.safetensors": "header length 100 extends past the end",
        "safetensors/header-too-short.safetensors": "too short for a JSON object",
        "safetensors/hole-between-tensors.safetensors": "bytes 4..<8 of the data section belong to no tensor",
        "safetensors/huge-offsets.safetensors": "\"data_offsets\" is not a pair of integers",
        "safetensors/invalid-json.safetensors": "header is not valid JSON",
        "safetensors/metadata-not-object.safetensors": "\"__metadata__\" is not an object",
        "safetensors/metadata-not-string.safetensors": "metadata \"epoch\" is not a string",
        "safetensors/missing-dtype.safetensors": "missing \"dtype\"",
        "safetensors/missing-shape.safetensors": "missing or malformed \"shape\"",
        "safetensors/negative-size.safetensors": "shape [-2]",
        "safetensors/offsets-decreasing.safetensors": "not an increasing range",
        "safetensors/offsets-not-a-pair.safetensors": "\"data_offsets\" is not a pair of integers",
        "safetensors/offsets-past-end.safetensors": "end past the data section",
        "safetensors/overlapping-tensors.safetensors": "overlap another tensor",
        "safetensors/size-mismatch.safetensors": "F64 of shape [2] needs 16",
        "safetensors/unknown-dtype.safetensors": "unknown dtype \"F8\"",
    ]

    /// `<format>/<file name>` of every file in the corpus.
    static let corpus: [String] = formats.flatMap { format in
        let folder = fixtureURL("BadFiles").appendingPathComponent(format)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(format)/\($0)" }
    }

    @Test func everyFormatHasFilesAndEveryFileAnExpectation() {
        for format in Self.formats {
            #expect(Self.corpus.contains { $0.hasPrefix(format + "/") }, "no bad files for \(format)")
        }
        #expect(Set(Self.corpus) == Set(Self.expectedReasons.keys), "corpus files and expectations differ")
    }

    @Test(arguments: corpus)
    func badFileThrowsANamedError(_ file: String) throws {
        let url = fixtureURL("BadFiles").appendingPathComponent(file)
        let bytes = [UInt8](try Data(contentsOf: url))
        let format = String(file.prefix { $0 != "/" })
        let name = url.lastPathComponent
        let variant: CIFAR.Variant = name.hasPrefix("cifar100") ? .cifar100 : .cifar10
        let source = "BadFiles/" + file

        var thrown: (any Error)?
        var expectedSource = source
        do {
            switch format {
            case "idx", "idx-gzip":
                _ = try IDXArray.parse(bytes, source: source)
            case "gzip":
                _ = try Gzip.decompress(bytes, source: source, maximumBytes: 1 << 20)
            case "cifar":
                _ = try CIFAR.records([(ArraySlice(bytes), source)], variant: variant)
            case "cifar-tgz":
                expectedSource = url.path
                _ = try CIFAR(url: url, variant: variant)
            case "safetensors":
                _ = try SafeTensors(bytes: bytes, source: source)
            case "checkpoint":
                expectedSource = url.path
                _ = try Checkpoint(contentsOf: url)
            case "checkpoint-restore":
                // The file is a valid checkpoint; restoring it into the small model must fail
                // with a mismatch and leave the model as it was.
                let checkpoint = try Checkpoint(contentsOf: url)
                let (model, optimizer) = Self.smallModel()
                let before = model.parameters.map(\.value)
                do {
                    try checkpoint.restore(model: model, optimizer: optimizer)
                } catch let error as SHOTVAEError {
                    #expect(error.kind == .mismatch, "\(file): \(error)")
                    #expect(model.parameters.map(\.value) == before, "\(file): the model changed")
                    thrown = error
                }
                expectedSource = ""
            default:
                Issue.record("unknown format folder \(format)")
                return
            }
        } catch {
            thrown = error
        }

        guard let thrown else {
            Issue.record("\(file) was accepted")
            return
        }
        guard let error = thrown as? SHOTVAEError else {
            Issue.record("\(file) threw \(type(of: thrown)), not SHOTVAEError: \(thrown)")
            return
        }
        #expect(
            error.description.hasPrefix(expectedSource),
            "\(file): \(error) does not start with \(expectedSource)")
        if let fragment = Self.expectedReasons[file] {
            #expect(error.reason.contains(fragment), "\(file): \"\(error.reason)\" lacks \"\(fragment)\"")
        }
    }

    /// The model of the checkpoint tests (`Dense(4, 8)`, `BatchNorm(8)`, `Tanh`, `Dense(8, 3)`)
    /// with Adam, which the restore files were written from.
    static func smallModel() -> (Sequential, any Optimizer) {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([
            Dense(inputCount: 4, outputCount: 8, generator: &rng), BatchNorm(featureCount: 8), Tanh(),
            Dense(inputCount: 8, outputCount: 3, generator: &rng),
        ])
        return (model, Adam(parameters: model.parameters, learningRate: 1e-2))
    }
}
