import Foundation
import Testing

@testable import SHOTVAE

/// Image folders on files that Fixtures/make_image_folder.py writes with Debian's python3-pil
/// (which `make test` installs): PNG of every colour type and bit depth, interlaced, JPEG
/// baseline, progressive and grey, decoded to the values the script expects; resizing; label
/// files; and each bad case's error naming its file.
@Suite(.serialized) struct ImageFolderTests {
    let scratch = TemporaryFolder()

    /// A fresh copy of the generated folder, and the expected values by relative path.
    func makeFolder(_ name: String) throws -> (URL, [String: [String: [Double]]]) {
        let root = scratch.file(name)
        try runFixtureScript("make_image_folder.py", [root.path], needs: "python3-pil")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("expected.json")))
        return (root, expected as? [String: [String: [Double]]] ?? [:])
    }

    /// Expects `body` to throw a ``SHOTVAEError`` about `path` whose reason contains `words`.
    func expectError(about path: URL, _ words: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("no error for \(path.lastPathComponent)", sourceLocation: sourceLocation)
        } catch let error as SHOTVAEError {
            #expect(error.path == path.path, "\(error)", sourceLocation: sourceLocation)
            #expect(error.reason.contains(words), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyKindOfFileDecodesToItsValues() throws {
        let (root, expected) = try makeFolder("pictures")
        for channels in [3, 1] {
            let folder = try ImageFolder(root: root, channels: channels)
            #expect(folder.classNames == ["ant", "bee", "cat"])
            #expect(folder.train.images.shape == [12, channels, 6, 8] && folder.test.images.shape == [4, channels, 6, 8])
            #expect(folder.trainPaths.first == "ant/00-rgb.png" && folder.trainPaths.contains("cat/11-jpeg-grey.JPG"))
            #expect(folder.train.labels == folder.trainPaths.map { ["ant": 0, "bee": 1, "cat": 2][String($0.prefix(3))]! })
            #expect(folder.test.labels == [0, 1, 2, 2])
            let size = channels * 48
            for (index, path) in folder.trainPaths.enumerated() {
                guard let values = expected["train/" + path]?[channels == 3 ? "rgb" : "grey"] else {
                    Issue.record("no expected values for \(path)")
                    continue
                }
                let decoded = Array(folder.train.images.scalars[(index * size)..<((index + 1) * size)])
                let worst = zip(decoded, values).map { abs(Double($0) - $1) }.max() ?? .infinity
                // JPEG: PIL decodes with libjpeg-turbo too; the same IDCT gives the same bytes.
                #expect(worst <= 1e-6, "\(path) with \(channels) channels: largest difference \(worst)")
            }
        }
    }

    @Test func resizingAveragesPairsWhenHalving() throws {
        let (root, expected) = try makeFolder("resized")
        let folder = try ImageFolder(root: root, channels: 3, size: (height: 3, width: 4))
        #expect(folder.train.images.shape == [12, 3, 3, 4])
        // Halving: output (y, x) samples the source at (2y + ½, 2x + ½), the mean of a 2x2 block.
        let source = expected["train/ant/00-rgb.png"]!["rgb"]!
        for c in 0..<3 {
            for y in 0..<3 {
                for x in 0..<4 {
                    let block = [(0, 0), (0, 1), (1, 0), (1, 1)].map { source[c * 48 + (2 * y + $0.0) * 8 + 2 * x + $0.1] }
                    let value = Double(folder.train.images.scalars[(c * 3 + y) * 4 + x])
                    #expect(abs(value - block.reduce(0, +) / 4) < 1e-6)
                }
            }
        }
    }

    @Test func labelFileChoosesTheLabeledImages() throws {
        let (root, _) = try makeFolder("listed")
        let folder = try ImageFolder(root: root, channels: 1)
        let labels = root.appendingPathComponent("labels.txt")
        try "ant/00-rgb.png ant\n\n08-interlaced.png cat\r\nbee/01-rgba.png\tbee\n".write(to: labels, atomically: true, encoding: .utf8)
        let split = try folder.split(labelFile: labels)
        #expect(split.labeledIndices.map { folder.trainPaths[$0] } == ["ant/00-rgb.png", "cat/08-interlaced.png", "bee/01-rgba.png"])
        #expect(split.labeled.labels == [0, 2, 1] && split.unlabeled.count == 12)

        for (text, words) in [
            ("ant/00-rgb.png dog\n", "line 1: class \"dog\" has no folder"),
            ("ant/00-rgb.png ant\nant/missing.png ant\n", "line 2: ant/missing.png is not an image of"),
            ("ant/00-rgb.png bee\n", "is listed as \"bee\" but lies in the folder of \"ant\""),
            ("ant/00-rgb.png ant\nant/00-rgb.png ant\n", "line 2: ant/00-rgb.png is listed twice"),
            ("ant/00-rgb.png\n", "line 1: expected \"path class\""),
        ] {
            try text.write(to: labels, atomically: true, encoding: .utf8)
            expectError(about: labels, words) { _ = try folder.split(labelFile: labels) }
        }
    }

    /// Images in folders of a class folder belong to that class, as in torchvision's
    /// `ImageFolder`; a label file names them by their path under `train`. Links are followed,
    /// but not back into a folder that holds them; a single class is refused.
    @Test func classFoldersAreReadAtAnyDepth() throws {
        let (root, expected) = try makeFolder("nested")
        let flat = try ImageFolder(root: root, channels: 3)
        let manager = FileManager.default
        let nested = root.appendingPathComponent("train/bee/more/deeper")
        try manager.createDirectory(at: nested, withIntermediateDirectories: true)
        try manager.copyItem(at: root.appendingPathComponent("train/ant/00-rgb.png"), to: nested.appendingPathComponent("x.png"))
        try "x".write(to: nested.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let folder = try ImageFolder(root: root, channels: 3)
        #expect(folder.train.count == flat.train.count + 1)
        guard let index = folder.trainPaths.firstIndex(of: "bee/more/deeper/x.png") else {
            Issue.record("bee/more/deeper/x.png not read: \(folder.trainPaths)")
            return
        }
        #expect(folder.train.labels[index] == folder.classNames.firstIndex(of: "bee"))
        let values = expected["train/ant/00-rgb.png"]?["rgb"] ?? []
        let decoded = Array(folder.train.images.scalars[(index * 144)..<((index + 1) * 144)])
        #expect(decoded.count == values.count && zip(decoded, values).allSatisfy { abs(Double($0) - $1) <= 1e-6 })
        let labels = root.appendingPathComponent("labels.txt")
        try "bee/more/deeper/x.png bee\n".write(to: labels, atomically: true, encoding: .utf8)
        #expect(try folder.split(labelFile: labels).labeledIndices == [index])

        // A class folder whose images all lie in its folders is not empty; one with none is.
        let onlyNested = root.appendingPathComponent("train/cat")
        let moved = root.appendingPathComponent("train/cat/sub")
        try manager.createDirectory(at: moved, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: onlyNested.path) where name != "sub" {
            try manager.moveItem(at: onlyNested.appendingPathComponent(name), to: moved.appendingPathComponent(name))
        }
        #expect(try ImageFolder(root: root, channels: 3).train.count == folder.train.count)
        try manager.removeItem(at: moved)
        try manager.createDirectory(at: moved, withIntermediateDirectories: true)
        expectError(about: onlyNested, "the class folder has no PNG or JPEG image") { _ = try ImageFolder(root: root) }
        try manager.removeItem(at: moved)
        try manager.copyItem(at: root.appendingPathComponent("train/ant/00-rgb.png"), to: onlyNested.appendingPathComponent("y.png"))

        // A link back to a folder that holds it would read its images again and again.
        let link = nested.appendingPathComponent("up")
        try manager.createSymbolicLink(atPath: link.path, withDestinationPath: "../..")
        expectError(about: link, "a folder that holds it") { _ = try ImageFolder(root: root) }
        try manager.removeItem(at: link)
        // A link to a folder elsewhere is read like a folder.
        try manager.createSymbolicLink(atPath: link.path, withDestinationPath: root.appendingPathComponent("test/ant").path)
        #expect(try ImageFolder(root: root).trainPaths.contains { $0.hasPrefix("bee/more/deeper/up/") })

        // One class is not a classification task.
        let single = scratch.file("single")
        for part in ["train", "test"] {
            try manager.createDirectory(at: single.appendingPathComponent("\(part)/only"), withIntermediateDirectories: true)
            try manager.copyItem(at: root.appendingPathComponent("train/ant/00-rgb.png"),
                                 to: single.appendingPathComponent("\(part)/only/x.png"))
        }
        expectError(about: single.appendingPathComponent("train"), "one class folder (only)") { _ = try ImageFolder(root: single) }
    }

    /// Images without a class under `unlabeled/` (in it and in a folder of it) decode like the
    /// others and join the unlabeled set after the training images, with either split.
    @Test func unlabeledFolderJoinsTheUnlabeledSet() throws {
        let (root, expected) = try makeFolder("unlabeled")
        let manager = FileManager.default
        let unlabeledFolder = root.appendingPathComponent("unlabeled")
        try manager.createDirectory(at: unlabeledFolder.appendingPathComponent("more"), withIntermediateDirectories: true)
        let copies = ["b.png": "train/ant/00-rgb.png", "more/a.jpg": "train/ant/09-jpeg.jpg", "c.png": "test/bee/t1.png"]
        for (copy, source) in copies {
            try manager.copyItem(at: root.appendingPathComponent(source), to: unlabeledFolder.appendingPathComponent(copy))
        }
        try "x".write(to: unlabeledFolder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let folder = try ImageFolder(root: root, channels: 3)
        #expect(folder.unlabeledPaths == ["b.png", "c.png", "more/a.jpg"])
        guard let unlabeled = folder.unlabeled else {
            Issue.record("no unlabeled images read")
            return
        }
        #expect(unlabeled.images.shape == [3, 3, 6, 8])
        for (index, path) in folder.unlabeledPaths.enumerated() {
            let values = expected[copies[path]!]?["rgb"] ?? []
            let decoded = Array(unlabeled.images.scalars[(index * 144)..<((index + 1) * 144)])
            #expect(decoded.count == values.count && zip(decoded, values).allSatisfy { abs(Double($0) - $1) <= 1e-6 }, "\(path)")
        }
        var rng = RandomGenerator(seed: 4)
        let perClass = try folder.split(labelsPerClass: 2, generator: &rng)
        #expect(perClass.labeled.count == 6 && perClass.unlabeled.count == 15)
        #expect(Array(perClass.unlabeled.images.scalars.suffix(3 * 144)) == unlabeled.images.scalars)
        let labels = root.appendingPathComponent("labels.txt")
        try "ant/00-rgb.png ant\n".write(to: labels, atomically: true, encoding: .utf8)
        #expect(try folder.split(labelFile: labels).unlabeled.count == 15)

        // Another size, no image, and a file where the folder should be.
        let odd = unlabeledFolder.appendingPathComponent("more/odd.png")
        try PNG.write(width: 5, height: 5, channels: 3, pixels: [UInt8](repeating: 128, count: 75), to: odd)
        expectError(about: odd, "5x5 pixels, where the first image") { _ = try ImageFolder(root: root) }
        #expect(try ImageFolder(root: root, size: (height: 6, width: 8)).unlabeled?.count == 4)
        try manager.removeItem(at: unlabeledFolder)
        try manager.createDirectory(at: unlabeledFolder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        expectError(about: unlabeledFolder, "the unlabeled folder has no PNG or JPEG image") { _ = try ImageFolder(root: root) }
        try manager.removeItem(at: unlabeledFolder)
        try "x".write(to: unlabeledFolder, atomically: true, encoding: .utf8)
        expectError(about: unlabeledFolder, "not a folder") { _ = try ImageFolder(root: root) }
        try manager.removeItem(at: unlabeledFolder)
        #expect(try ImageFolder(root: root).unlabeled == nil)
    }

    @Test func badFilesAndFoldersAreNamed() throws {
        let (root, _) = try makeFolder("bad")
        let manager = FileManager.default
        // Truncated PNG and JPEG files (a JPEG cut before its scan has no image at all), and
        // text under an image's name.
        for (name, keep, words) in [
            ("train/ant/00-rgb.png", 0.5, "truncated"), ("train/ant/09-jpeg.jpg", 0.5, "missing SOS marker"),
            ("train/ant/09-jpeg.jpg", 0.9, "truncated"),
        ] {
            let file = root.appendingPathComponent(name)
            let original = try Data(contentsOf: file)
            try original.prefix(Int(Double(original.count) * keep)).write(to: file)
            expectError(about: file, words) { _ = try ImageFolder(root: root) }
            try original.write(to: file)
        }
        let text = root.appendingPathComponent("train/bee/notes.png")
        try Data("not a picture".utf8).write(to: text)
        expectError(about: text, "neither a PNG nor a JPEG file") { _ = try ImageFolder(root: root) }
        try manager.removeItem(at: text)

        // Another size: an error without a size to resize to, resized with one.
        let odd = root.appendingPathComponent("test/bee/odd.png")
        try PNG.write(width: 5, height: 5, channels: 3, pixels: [UInt8](repeating: 128, count: 75), to: odd)
        expectError(about: odd, "5x5 pixels, where the first image") { _ = try ImageFolder(root: root) }
        #expect(try ImageFolder(root: root, size: (height: 6, width: 8)).test.count == 5)
        try manager.removeItem(at: odd)

        // An empty class folder; test classes that differ; no test folder.
        let empty = root.appendingPathComponent("train/dog")
        try manager.createDirectory(at: empty, withIntermediateDirectories: true)
        expectError(about: empty, "the class folder has no PNG or JPEG image") { _ = try ImageFolder(root: root) }
        try "x".write(to: empty.appendingPathComponent("readme.txt"), atomically: true, encoding: .utf8)
        expectError(about: empty, "the class folder has no PNG or JPEG image") { _ = try ImageFolder(root: root) }
        try manager.removeItem(at: empty)
        try manager.moveItem(at: root.appendingPathComponent("test/cat"), to: root.appendingPathComponent("test/cow"))
        expectError(about: root.appendingPathComponent("test"), "the test classes differ") { _ = try ImageFolder(root: root) }
        try manager.removeItem(at: root.appendingPathComponent("test"))
        expectError(about: root.appendingPathComponent("test"), "no such folder") { _ = try ImageFolder(root: root) }
    }
}
