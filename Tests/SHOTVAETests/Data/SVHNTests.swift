import Foundation
import Testing

@testable import SHOTVAE

/// SVHN's official MAT files, as Fixtures/make_svhn_mat.py writes them with `scipy.io.savemat`
/// (compressed and not, and with other numeric types), and bad files named in their errors.
@Suite(.serialized) struct SVHNTests {
    let scratch = TemporaryFolder()

    /// The generated files' folder (`compressed`, `plain` and `doubles` in it).
    func makeFiles() throws -> URL {
        let root = scratch.file("svhn")
        try runFixtureScript("make_svhn_mat.py", [root.path], needs: "python3-scipy")
        return root
    }

    @Test func officialLayoutReadsAsTorchvisionReadsIt() throws {
        let root = try makeFiles()
        for variant in ["compressed", "plain", "doubles"] {
            let svhn = try SVHN(directory: root.appendingPathComponent(variant))
            for (set, count, offset) in [(svhn.train, 30, 0), (svhn.test, 12, 5)] {
                #expect(set.images.shape == [count, 3, 32, 32] && set.classCount == 10, "\(variant)")
                #expect(set.labels == (0..<count).map { ($0 % 10 + 1) % 10 }, "\(variant): label 10 is the digit 0")
                let pixels = set.images.scalars
                var worst: Float = 0
                for n in 0..<count {
                    for c in 0..<3 {
                        for row in 0..<32 {
                            for column in 0..<32 {
                                let expected = Float((7 * row + 3 * column + 50 * c + 11 * n + offset) % 256) / 255
                                worst = max(worst, abs(pixels[((n * 3 + c) * 32 + row) * 32 + column] - expected))
                            }
                        }
                    }
                }
                #expect(worst == 0, "\(variant): largest pixel difference \(worst)")
            }
        }
    }

    /// Each bad file stops the reading with an error that names it.
    @Test func badFilesAreNamed() throws {
        let root = try makeFiles()
        let folder = root.appendingPathComponent("compressed")
        let train = folder.appendingPathComponent(SVHN.trainFile)
        let original = try Data(contentsOf: train)
        func expectError(_ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try SVHN(directory: folder)
                Issue.record("no error", sourceLocation: sourceLocation)
            } catch let error as SHOTVAEError {
                #expect(error.path == train.path && error.reason.contains(words), "\(error)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(error)", sourceLocation: sourceLocation)
            }
        }
        // Truncated inside the compressed element, and inside the header.
        try original.prefix(original.count - 100).write(to: train)
        expectError("truncated")
        try original.prefix(100).write(to: train)
        expectError("fewer than the 128 of a MAT file's header")
        // Not a MAT file, and a plain file whose data element claims more than there is.
        try Data(repeating: 0x41, count: 300).write(to: train)
        expectError("not a MATLAB level-5 MAT file")
        let plain = try Data(contentsOf: root.appendingPathComponent("plain").appendingPathComponent(SVHN.trainFile))
        try plain.prefix(plain.count / 2).write(to: train)
        expectError("truncated: the data element at byte 128 claims")
        // A corrupt deflate stream.
        var corrupt = original
        for i in 150..<170 { corrupt[i] ^= 0x5A }
        try corrupt.write(to: train)
        expectError("compressed element")
        // A file without `y`, one whose labels leave 1...10, one whose images are not 32 x 32 x 3.
        let scipy = """
            import numpy as np, scipy.io, sys
            x = np.zeros((32, 32, 3, 4), np.uint8)
            scipy.io.savemat(sys.argv[1] + "/noy.mat", {"X": x})
            scipy.io.savemat(sys.argv[1] + "/eleven.mat", {"X": x, "y": np.array([[1], [11], [3], [4]], np.float64)})
            scipy.io.savemat(sys.argv[1] + "/wide.mat", {"X": np.zeros((32, 30, 3, 4), np.uint8), "y": np.ones((4, 1))})
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", scipy, root.path]
        try process.run()
        process.waitUntilExit()
        for (name, words) in [
            ("noy.mat", "no numeric array \"y\""), ("eleven.mat", "label 11.0 of image 2 is not in 1...10"),
            ("wide.mat", "\"X\" has dimensions [32, 30, 3, 4], expected 32 x 32 x 3 x N"),
        ] {
            try FileManager.default.removeItem(at: train)
            try FileManager.default.copyItem(at: root.appendingPathComponent(name), to: train)
            expectError(words)
        }
        try FileManager.default.removeItem(at: train)
        expectError("missing: SVHN's official train_32x32.mat")
    }
}
