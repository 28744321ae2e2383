import Foundation
import Testing

@testable import SHOTVAE

/// CIFAR readers on files in the official binary format, generated here: folders, `.tar.gz`
/// archives and broken variants.
@Suite struct CIFARTests {
    let scratch = TemporaryFolder()

    /// `count` records whose label is `index % classes` (fine) and whose pixel `p` is `(index + p) % 256`.
    static func records(count: Int, start: Int, variant: CIFAR.Variant) -> [UInt8] {
        var bytes: [UInt8] = []
        for i in start..<(start + count) {
            if variant == .cifar100 { bytes.append(UInt8(i % 20)) }
            bytes.append(UInt8(i % variant.classCount))
            bytes += (0..<3072).map { UInt8((i + $0) % 256) }
        }
        return bytes
    }

    /// Writes a CIFAR-10 or CIFAR-100 folder with `perFile` records per training file.
    static func writeFolder(_ folder: URL, variant: CIFAR.Variant, perFile: Int) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (i, name) in variant.trainFiles.enumerated() {
            try Data(Self.records(count: perFile, start: i * perFile, variant: variant)).write(to: folder.appendingPathComponent(name))
        }
        try Data(Self.records(count: perFile, start: 1000, variant: variant)).write(to: folder.appendingPathComponent(variant.testFile))
    }

    /// `tar czf archive -C parent folderName`.
    func archive(_ parent: URL, _ folderName: String, to archive: URL) throws {
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["czf", archive.path, "-C", parent.path, folderName]
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
    }

    @Test func readsACIFAR10FolderWithPixelsInPlaneOrder() throws {
        let folder = scratch.file("cifar-10-batches-bin")
        try Self.writeFolder(folder, variant: .cifar10, perFile: 30)
        for url in [folder, scratch.url] {  // the folder itself or the folder that contains it
            let cifar = try CIFAR(url: url, variant: .cifar10)
            #expect(cifar.train.images.shape == [150, 3, 32, 32])
            #expect(cifar.test.images.shape == [30, 3, 32, 32])
            #expect(cifar.train.labels == (0..<150).map { $0 % 10 })
            // Image 7, channel 1 (green), row 2, column 5 is byte 1024 + 2·32 + 5 of its record.
            #expect(cifar.train.images[7, 1, 2, 5] == Float((7 + 1024 + 69) % 256) / 255)
        }
    }

    @Test func readsTheArchivesOfBothDataSets() throws {
        for variant in CIFAR.Variant.allCases {
            let parent = scratch.file(variant.rawValue)
            try Self.writeFolder(parent.appendingPathComponent(variant.folderName), variant: variant, perFile: 120)
            let archiveURL = scratch.file("\(variant.rawValue)-binary.tar.gz")
            try archive(parent, variant.folderName, to: archiveURL)
            let cifar = try CIFAR(url: archiveURL, variant: variant)
            let expected = try CIFAR(url: parent, variant: variant)
            #expect(cifar.train.images == expected.train.images)
            #expect(cifar.train.labels == expected.train.labels)
            #expect(cifar.test.labels == expected.test.labels)
            #expect(cifar.train.classCount == variant.classCount)
        }
    }

    @Test func splitsLikeThePaper() throws {
        let folder = scratch.file("cifar-10-batches-bin")
        try Self.writeFolder(folder, variant: .cifar10, perFile: 40)  // 20 images per class
        let cifar = try CIFAR(url: folder, variant: .cifar10)
        var rng = RandomGenerator(seed: 1)
        let split = try SemiSupervisedSplit(cifar.train, labelsPerClass: 4, validationPerClass: 5, generator: &rng)
        #expect(split.labeled.count == 40 && split.validation.count == 50 && split.unlabeled.count == 150)
        for k in 0..<10 {
            #expect(split.labeled.labels.filter { $0 == k }.count == 4)
            #expect(split.validation.labels.filter { $0 == k }.count == 5)
        }
    }

    // MARK: - Broken inputs

    func expectError(_ url: URL, _ variant: CIFAR.Variant, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try CIFAR(url: url, variant: variant)
            Issue.record("no error for \(text)", sourceLocation: sourceLocation)
        } catch let error as SHOTVAEError {
            #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
            #expect(error.path != nil, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func truncatedRecordsAreRejected() throws {
        let folder = scratch.file("cut")
        try Self.writeFolder(folder, variant: .cifar10, perFile: 3)
        let file = folder.appendingPathComponent("data_batch_3.bin")
        try Data(Self.records(count: 3, start: 0, variant: .cifar10).dropLast(100)).write(to: file)
        expectError(folder, .cifar10, "data_batch_3.bin: 9119 bytes is not a whole number of 3073-byte records")
    }

    @Test func labelsOutOfRangeAreRejected() throws {
        let folder = scratch.file("labels")
        try Self.writeFolder(folder, variant: .cifar10, perFile: 3)
        var bytes = Self.records(count: 3, start: 0, variant: .cifar10)
        bytes[3073] = 10  // the second record's label
        try Data(bytes).write(to: folder.appendingPathComponent("test_batch.bin"))
        expectError(folder, .cifar10, "label 10 of record 1 is out of range 0..<10")

        let hundred = scratch.file("hundred")
        try Self.writeFolder(hundred, variant: .cifar100, perFile: 3)
        var fine = Self.records(count: 3, start: 0, variant: .cifar100)
        fine[1] = 100
        try Data(fine).write(to: hundred.appendingPathComponent("train.bin"))
        expectError(hundred, .cifar100, "label 100 of record 0 is out of range 0..<100")
        fine[1] = 3
        fine[3074] = 20
        try Data(fine).write(to: hundred.appendingPathComponent("train.bin"))
        expectError(hundred, .cifar100, "coarse label 20 of record 1 is out of range 0..<20")
    }

    @Test func missingFilesAreNamed() throws {
        let folder = scratch.file("missing")
        try Self.writeFolder(folder, variant: .cifar10, perFile: 2)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("data_batch_4.bin"))
        expectError(folder, .cifar10, "data_batch_4.bin: missing or unreadable")
        expectError(scratch.file("nowhere"), .cifar10, "no such file or folder")
    }

    @Test func brokenArchivesAreRejected() throws {
        let parent = scratch.file("source")
        try Self.writeFolder(parent.appendingPathComponent("cifar-10-batches-bin"), variant: .cifar10, perFile: 2)
        let good = scratch.file("good.tar.gz")
        try archive(parent, "cifar-10-batches-bin", to: good)
        let bytes = try [UInt8](Data(contentsOf: good))

        let cut = scratch.file("cut.tar.gz")
        try Data(bytes.prefix(bytes.count / 2)).write(to: cut)
        expectError(cut, .cifar10, "truncated gzip stream")

        let garbage = scratch.file("garbage.tar.gz")
        var flipped = bytes
        for i in stride(from: 40, to: min(400, flipped.count - 8), by: 7) { flipped[i] ^= 0x5A }
        try Data(flipped).write(to: garbage)
        expectError(garbage, .cifar10, "garbage.tar.gz")

        let notTar = scratch.file("plain.tar")
        try Data([UInt8](repeating: 65, count: 2048)).write(to: notTar)
        expectError(notTar, .cifar10, "tar checksum")

        // A CIFAR-100 archive read as CIFAR-10 lacks its files.
        let hundred = scratch.file("h")
        try Self.writeFolder(hundred.appendingPathComponent("cifar-100-binary"), variant: .cifar100, perFile: 2)
        let hundredArchive = scratch.file("cifar-100.tar.gz")
        try archive(hundred, "cifar-100-binary", to: hundredArchive)
        expectError(hundredArchive, .cifar10, "the archive has no data_batch_1.bin")
    }

    /// Every prefix of a small uncompressed tar that cuts into its contents is rejected without a crash.
    @Test func everyTruncatedTarIsRejected() throws {
        let parent = scratch.file("small")
        let folder = parent.appendingPathComponent("cifar-10-batches-bin")
        try Self.writeFolder(folder, variant: .cifar10, perFile: 1)
        let tarURL = scratch.file("small.tar")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["cf", tarURL.path, "-C", parent.path, "cifar-10-batches-bin"]
        try tar.run()
        tar.waitUntilExit()
        let bytes = try [UInt8](Data(contentsOf: tarURL))
        let whole = try TarArchive(bytes: bytes, source: "whole")
        // Cuts before the end of the last file's data; what follows is the end-of-archive padding.
        let dataEnd = whole.files.map(\.range.upperBound).max()!
        for length in stride(from: 0, to: dataEnd, by: 97) {
            #expect(throws: SHOTVAEError.self) {
                let archive = try TarArchive(bytes: Array(bytes.prefix(length)), source: "cut")
                // A cut at an entry boundary parses, but then lacks files.
                if archive.file(named: "test_batch.bin") == nil { throw SHOTVAEError(.invalidFile, "incomplete") }
                _ = try CIFAR.records([(archive.file(named: "test_batch.bin")!, "cut")], variant: .cifar10)
            }
        }
    }
}

@Suite struct AugmentationTests {
    let images: Tensor = {
        var rng = RandomGenerator(seed: 1)
        return Tensor(uniform: [6, 3, 8, 8], generator: &rng)
    }()

    @Test func noPaddingAndNoFlipIsTheIdentity() {
        var rng = RandomGenerator(seed: 2)
        #expect(PadCropFlip(padding: 0, flips: false)(images, generator: &rng) == images)
    }

    @Test func flippingMirrorsEachImageOrLeavesIt() {
        var rng = RandomGenerator(seed: 3)
        let out = PadCropFlip(padding: 0, flips: true)(images, generator: &rng)
        var flipped = 0
        for n in 0..<6 {
            let same = (0..<3).allSatisfy { c in (0..<8).allSatisfy { y in (0..<8).allSatisfy { x in out[n, c, y, x] == images[n, c, y, x] } } }
            let mirrored = (0..<3).allSatisfy { c in (0..<8).allSatisfy { y in (0..<8).allSatisfy { x in out[n, c, y, x] == images[n, c, y, 7 - x] } } }
            #expect(same || mirrored)
            if mirrored && !same { flipped += 1 }
        }
        #expect(flipped > 0 && flipped < 6)
    }

    /// Each output is a 8x8 window of the reflection-padded image, possibly mirrored.
    @Test func cropsStayInsideThePaddedImage() {
        var rng = RandomGenerator(seed: 4)
        let out = PadCropFlip(padding: 2)(images, generator: &rng)
        #expect(out.shape == images.shape)
        let padded = Variable(images).reflectPadded(by: 2).value
        for n in 0..<6 {
            var found = false
            for top in 0...4 {
                for left in 0...4 {
                    for flip in [false, true] where !found {
                        found = (0..<3).allSatisfy { c in
                            (0..<8).allSatisfy { y in
                                (0..<8).allSatisfy { x in out[n, c, y, x] == padded[n, c, y + top, (flip ? 7 - x : x) + left] }
                            }
                        }
                    }
                }
            }
            #expect(found, "image \(n) is not a window of its padded version")
        }
    }

    @Test func sameSeedSameAugmentation() {
        var a = RandomGenerator(seed: 5)
        var b = RandomGenerator(seed: 5)
        #expect(PadCropFlip()(images, generator: &a) == PadCropFlip()(images, generator: &b))
    }
}
