import Foundation

@testable import SHOTVAE

/// The hand-made part of the bad-file corpus that `BadFileCorpusTests` replays: one small file
/// per problem class and format, written by `shotvae-fuzz bad-files <folder>` into
/// `<folder>/<format>/`. Inputs the fuzzer found are added to the same folders by hand
/// (materialized with `shotvae-fuzz materialize`), named `fuzz-*`.
enum BadFiles {
    static func write(to folder: URL) throws {
        let work = folder.appendingPathComponent(".work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var files: [String: [UInt8]] = [:]
        idx(into: &files)
        try gzip(into: &files, work)
        cifar(into: &files)
        try cifarArchives(into: &files, work)
        safeTensors(into: &files)
        checkpoints(into: &files)
        for (path, bytes) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }

    // MARK: - IDX

    static func idx(into files: inout [String: [UInt8]]) {
        let good = Seeds.idxFile([3, 2, 2])
        files["idx/empty.idx"] = []
        files["idx/wrong-magic.idx"] = Array("PK\u{3}\u{4}not an IDX file".utf8)
        files["idx/float-elements.idx"] = [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0x80, 0x3f]
        files["idx/zero-dimensions.idx"] = [0, 0, 8, 0]
        files["idx/five-dimensions.idx"] = [0, 0, 8, 5] + Array(repeating: 0, count: 20)
        files["idx/sizes-cut-off.idx"] = Array(good.prefix(10))
        files["idx/sizes-overflow.idx"] = [0, 0, 8, 4] + Array(repeating: 0xff, count: 16)
        files["idx/sizes-over-limit.idx"] = [0, 0, 8, 2, 0, 1, 0, 0, 0, 0, 0x80, 1]
        files["idx/data-truncated.idx"] = Array(good.dropLast(5))
        files["idx/data-extra.idx"] = good + [0]
    }

    // MARK: - gzip (IDX inside, and the limit)

    static func gzip(into files: inout [String: [UInt8]], _ work: URL) throws {
        let idx = Seeds.idxFile([3, 2, 2])
        let member = try Seeds.gzip(idx, work)  // header 10 bytes, deflate, CRC-32, length
        let crcOffset = member.count - 8
        files["idx-gzip/header-only.idx.gz"] = Array(member.prefix(10))
        var method = member
        method[2] = 7
        files["idx-gzip/unknown-method.idx.gz"] = method
        var flags = member
        flags[3] = 0xe0
        files["idx-gzip/reserved-flags.idx.gz"] = flags
        var headerCRC = member
        headerCRC[3] = 0x02  // FHCRC: a CRC-16 of the header follows it (here: the deflate bytes)
        files["idx-gzip/header-crc-mismatch.idx.gz"] = headerCRC
        files["idx-gzip/reserved-block-type.idx.gz"] =
            Array(member.prefix(10)) + [0x07] + Array(repeating: 0, count: 12)
        var crc = member
        crc[crcOffset] ^= 0xff
        files["idx-gzip/crc-mismatch.idx.gz"] = crc
        var length = member
        length[member.count - 4] ^= 0x01
        files["idx-gzip/length-mismatch.idx.gz"] = length
        files["idx-gzip/truncated-deflate.idx.gz"] = Array(member.prefix(14))
        files["idx-gzip/garbage-after-member.idx.gz"] = member + Array("trailing text".utf8)
        files["idx-gzip/partial-second-member.idx.gz"] = member + [0x1f]
        files["idx-gzip/corrupt-second-member.idx.gz"] = member + Array(crc)
        files["idx-gzip/empty-member.idx.gz"] = try Seeds.gzip([], work)
        files["idx-gzip/bad-idx-inside.idx.gz"] = try Seeds.gzip(Array(idx.dropLast()), work)
        // 2 MiB of zeros in about 2 KiB, replayed through Gzip.decompress with a 1 MiB limit.
        files["gzip/bomb-2MiB.gz"] = try Seeds.gzip(Array(repeating: 0, count: 2 << 20), work)
    }

    // MARK: - CIFAR records

    static func cifar(into files: inout [String: [UInt8]]) {
        let ten = Seeds.records(2, .cifar10)
        let hundred = Seeds.records(1, .cifar100)
        files["cifar/cifar10-empty.bin"] = []
        files["cifar/cifar10-part-of-a-record.bin"] = Array(ten.prefix(3072))
        var label = ten
        label[3073] = 10
        files["cifar/cifar10-label-out-of-range.bin"] = label
        files["cifar/cifar100-given-cifar10-records.bin"] = ten
        var fine = hundred
        fine[1] = 100
        files["cifar/cifar100-fine-label-out-of-range.bin"] = fine
        var coarse = hundred
        coarse[0] = 20
        files["cifar/cifar100-coarse-label-out-of-range.bin"] = coarse
    }

    // MARK: - CIFAR archives

    static func cifarArchives(into files: inout [String: [UInt8]], _ work: URL) throws {
        func entries(
            _ variant: CIFAR.Variant, skipping: String? = nil, replacing: [String: [UInt8]] = [:]
        ) -> [[UInt8]] {
            var result = [tarHeader(name: variant.folderName + "/", size: 0, type: UInt8(ascii: "5"))]
            for (i, name) in (variant.trainFiles + [variant.testFile]).enumerated() where name != skipping {
                result.append(
                    tarEntry(
                        variant.folderName + "/" + name,
                        replacing[name] ?? Seeds.records(1, variant, start: i)))
            }
            return result
        }
        func archive(_ parts: [[UInt8]]) throws -> [UInt8] {
            try Seeds.gzip(parts.flatMap { $0 } + Array(repeating: 0, count: 1024), work)
        }
        let good = entries(.cifar10)
        files["cifar-tgz/cifar10-text-file.tar.gz"] = Array("this is not an archive\n".utf8)
        files["cifar-tgz/cifar10-truncated-gzip.tar.gz"] = Array(try archive(good).prefix(60))
        files["cifar-tgz/cifar10-empty-archive.tar.gz"] = try Seeds.gzip(
            Array(repeating: 0, count: 1024), work)
        files["cifar-tgz/cifar10-missing-test-batch.tar.gz"] = try archive(
            entries(.cifar10, skipping: "test_batch.bin"))
        var checksum = good
        checksum[1][0] ^= 0x20
        files["cifar-tgz/cifar10-bad-header-checksum.tar.gz"] = try archive(checksum)
        var malformed = good
        malformed[1].replaceSubrange(124..<136, with: Array("00000006x00\0".utf8))
        files["cifar-tgz/cifar10-malformed-size.tar.gz"] = try archive(malformed.map(rechecked))
        var huge = good
        huge[1].replaceSubrange(124..<136, with: [0x80] + Array(repeating: 0xff, count: 11))
        files["cifar-tgz/cifar10-base256-size-too-large.tar.gz"] = try archive(huge.map(rechecked))
        var pastEnd = good
        pastEnd[1].replaceSubrange(124..<136, with: Array("77777777777\0".utf8))
        files["cifar-tgz/cifar10-entry-past-end.tar.gz"] = try archive(pastEnd.map(rechecked))
        files["cifar-tgz/cifar10-record-size.tar.gz"] = try archive(
            entries(.cifar10, replacing: ["data_batch_3.bin": Array(repeating: 1, count: 100)]))
        var badLabel = Seeds.records(1, .cifar100)
        badLabel[1] = 200
        files["cifar-tgz/cifar100-label-out-of-range.tar.gz"] = try archive(
            entries(.cifar100, replacing: ["test.bin": badLabel]))
        files["cifar-tgz/cifar10-garbage-after-gzip.tar.gz"] = try archive(good) + [0, 0, 0, 0]
    }

    /// A ustar header with a valid checksum.
    static func tarHeader(name: String, size: Int, type: UInt8 = UInt8(ascii: "0")) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            header.replaceSubrange(offset..<(offset + text.utf8.count), with: Array(text.utf8))
        }
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        let octal = String(size, radix: 8)
        put(String(repeating: "0", count: 11 - octal.count) + octal, at: 124)
        put("00000000000", at: 136)
        header[156] = type
        put("ustar", at: 257)
        put("00", at: 263)
        return rechecked(header)
    }

    /// A header with its checksum recomputed (the first 512 bytes of `entry`).
    static func rechecked(_ entry: [UInt8]) -> [UInt8] {
        var fixed = entry
        var header = Array(entry.prefix(512))
        Encoding.fixTarChecksums(&header)
        fixed.replaceSubrange(0..<512, with: header)
        return fixed
    }

    /// A regular file entry: header, data, padding to 512 bytes.
    static func tarEntry(_ name: String, _ data: [UInt8]) -> [UInt8] {
        tarHeader(name: name, size: data.count) + data
            + Array(repeating: 0, count: (512 - data.count % 512) % 512)
    }

    // MARK: - safetensors

    static func safeTensors(into files: inout [String: [UInt8]]) {
        func file(_ json: String, data: [UInt8] = []) -> [UInt8] {
            Encoding.littleEndian(UInt64(json.utf8.count)) + Array(json.utf8) + data
        }
        func tensor(_ fields: String, data: Int = 8) -> [UInt8] {
            file(#"{"t":{\#(fields)}}"#, data: Array(repeating: 0, count: data))
        }
        let s = "safetensors/"
        files[s + "empty.safetensors"] = []
        files[s + "absurd-header-length.safetensors"] =
            Encoding.littleEndian(UInt64(1) << 63) + Array("{}".utf8)
        files[s + "header-past-end.safetensors"] = Encoding.littleEndian(UInt64(100)) + Array(#"{"a":"#.utf8)
        files[s + "header-too-short.safetensors"] = Encoding.littleEndian(UInt64(1)) + Array("{".utf8)
        files[s + "invalid-json.safetensors"] = file(#"{"t":{"dtype":"F32",}"#)
        files[s + "deeply-nested-json.safetensors"] = file(
            String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000))
        files[s + "header-not-object.safetensors"] = file("[1,2]")
        files[s + "metadata-not-object.safetensors"] = file(#"{"__metadata__":"epoch 3"}"#)
        files[s + "metadata-not-string.safetensors"] = file(#"{"__metadata__":{"epoch":3}}"#)
        files[s + "description-not-object.safetensors"] = file(#"{"t":[1,2]}"#)
        files[s + "missing-dtype.safetensors"] = tensor(#""shape":[2],"data_offsets":[0,8]"#)
        files[s + "unknown-dtype.safetensors"] = tensor(#""dtype":"F8","shape":[2],"data_offsets":[0,8]"#)
        files[s + "missing-shape.safetensors"] = tensor(#""dtype":"F32","data_offsets":[0,8]"#)
        files[s + "negative-size.safetensors"] = tensor(#""dtype":"F32","shape":[-2],"data_offsets":[0,8]"#)
        files[s + "boolean-size.safetensors"] = tensor(
            #""dtype":"U8","shape":[true],"data_offsets":[0,1]"#, data: 1)
        files[s + "absurd-shape.safetensors"] = tensor(
            #""dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]"#)
        files[s + "offsets-not-a-pair.safetensors"] = tensor(#""dtype":"F32","shape":[2],"data_offsets":[0]"#)
        files[s + "offsets-decreasing.safetensors"] = tensor(
            #""dtype":"F32","shape":[2],"data_offsets":[8,0]"#)
        files[s + "offsets-past-end.safetensors"] = tensor(
            #""dtype":"F32","shape":[2],"data_offsets":[0,16]"#)
        files[s + "huge-offsets.safetensors"] = tensor(
            #""dtype":"F32","shape":[2],"data_offsets":[0,100000000000000000000]"#)
        files[s + "size-mismatch.safetensors"] = tensor(#""dtype":"F64","shape":[2],"data_offsets":[0,8]"#)
        files[s + "overlapping-tensors.safetensors"] = file(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            data: Array(repeating: 0, count: 8))
        files[s + "hole-between-tensors.safetensors"] = file(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
            data: Array(repeating: 0, count: 12))
        files[s + "bytes-after-tensors.safetensors"] = tensor(
            #""dtype":"F32","shape":[2],"data_offsets":[0,8]"#, data: 12)
    }

    // MARK: - Checkpoints

    static func checkpoints(into files: inout [String: [UInt8]]) {
        let (model, optimizer) = Target.smallModel(sgd: false)
        Target.trainStep(model, optimizer, seed: 2)
        let good = Checkpoint(
            model: model, optimizer: optimizer, generators: ["data": RandomGenerator(seed: 5).state])
        func variant(_ change: (inout SafeTensors) -> Void) -> [UInt8] {
            var file = good.safeTensors()
            change(&file)
            return file.serialized()
        }
        func edited(_ change: (inout Checkpoint) -> Void) -> [UInt8] {
            var checkpoint = good
            change(&checkpoint)
            return checkpoint.safeTensors().serialized()
        }
        let c = "checkpoint/"
        files[c + "not-safetensors.safetensors"] = Array("a text file".utf8)
        // 4 KiB of noise, as when `--resume` is given some unrelated file.
        var noise = RandomGenerator(seed: 7)
        files[c + "random-bytes.safetensors"] = (0..<512).flatMap { _ in
            withUnsafeBytes(of: noise.next().littleEndian) { Array($0) }
        }
        files[c + "plain-safetensors.safetensors"] = variant { $0.metadata = [:] }
        files[c + "other-format.safetensors"] = variant { $0.metadata["format"] = "shotvae-checkpoint/99" }
        files[c + "buffers-missing.safetensors"] = variant { $0.metadata["buffers"] = nil }
        files[c + "buffers-not-json.safetensors"] = variant { $0.metadata["buffers"] = "1.running_mean" }
        files[c + "counters-not-integers.safetensors"] = variant {
            $0.metadata["counters"] = #"{"epoch":"three"}"#
        }
        files[c + "optimizer-counters-missing.safetensors"] = variant {
            $0.metadata["optimizer_counters"] = nil
        }
        // Found by review, not by the fuzzer: a step count of Int.max restored into Adam made the
        // next step overflow (Checkpoint now rejects counters outside 0...2^53).
        files[c + "optimizer-step-at-int-max.safetensors"] = edited {
            $0.optimizerState.counters["step.0"] = Int.max
        }
        files[c + "epoch-negative.safetensors"] = edited { $0.counters["epoch"] = -1 }
        files[c + "generator-three-words.safetensors"] = variant {
            $0.set("generator/data", unsignedIntegers: [1, 2, 3])
        }
        files[c + "generator-all-zero.safetensors"] = variant {
            $0.set("generator/data", unsignedIntegers: [0, 0, 0, 0])
        }
        files[c + "generator-not-u64.safetensors"] = variant {
            $0["generator/data"] = Tensor(shape: [4], scalars: [1, 2, 3, 4])
        }
        files[c + "parameter-not-f32.safetensors"] = variant {
            $0.set(
                "0.weight",
                SafeTensors.Entry(dataType: .int32, shape: [8, 4], bytes: Array(repeating: 0, count: 128)))
        }

        let r = "checkpoint-restore/"
        files[r + "parameter-missing.safetensors"] = edited { $0.parameters.removeLast() }
        files[r + "parameter-extra.safetensors"] = edited {
            $0.parameters.append(("9.weight", Tensor(shape: [1], scalars: [0])))
        }
        files[r + "parameter-wrong-shape.safetensors"] = edited {
            $0.parameters[0].value = Tensor(shape: [4, 8], scalars: Array(repeating: 0, count: 32))
        }
        files[r + "buffer-missing.safetensors"] = edited { $0.buffers.removeLast() }
        files[r + "optimizer-state-foreign.safetensors"] = edited {
            $0.optimizerState.tensors["momentum.0"] = $0.parameters[0].value
        }
        files[r + "optimizer-state-index-out-of-range.safetensors"] = edited {
            $0.optimizerState.tensors["exp_avg.99"] = Tensor(shape: [1], scalars: [0])
        }
        files[r + "optimizer-state-wrong-shape.safetensors"] = edited {
            $0.optimizerState.tensors["exp_avg.0"] = Tensor(shape: [1], scalars: [0])
        }
        files[r + "optimizer-one-moment.safetensors"] = edited {
            $0.optimizerState.tensors["exp_avg_sq.1"] = nil
        }
        files[r + "optimizer-counter-foreign.safetensors"] = edited {
            $0.optimizerState.counters["step.-1"] = 1
        }
    }
}
