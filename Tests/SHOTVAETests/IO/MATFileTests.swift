import Foundation
import Testing

@testable import SHOTVAE

/// The MAT-file reader beyond SVHN's two arrays (SVHNTests has those): every numeric type, the
/// small data-element format, and arrays it skips (text, cells, structures, complex numbers),
/// on a file `scipy.io.savemat` writes (python3-scipy).
struct MATFileTests {
    let scratch = TemporaryFolder()

    @Test func numericArraysOfEveryTypeAndSkippedOthers() throws {
        let file = scratch.file("mixed.mat")
        let script = """
            import numpy as np, scipy.io, sys
            values = np.array([[1, 2, 3], [4, 5, 6]])
            arrays = {name: values.astype(name) for name in
                      ["int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64", "int64", "uint64"]}
            arrays.update(small=np.array([[7]], np.uint8), negative=np.array([[-2.5, 1e300]]),
                          text="svhn", cells=np.array([1, "a"], dtype=object), record={"a": 1},
                          complex=np.array([[1 + 2j]]))
            for compression in [False, True]:
                scipy.io.savemat(sys.argv[1] + ("z" if compression else ""), arrays, do_compression=compression)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, file.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "scipy.io.savemat failed (make test installs python3-scipy)")
        for path in [file.path, file.path + "z"] {
            let mat = try MATFile(contentsOf: URL(fileURLWithPath: path))
            for name in ["int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64", "int64", "uint64"] {
                guard let array = mat.arrays[name] else {
                    Issue.record("\(name) missing from \(path)")
                    continue
                }
                #expect(array.dimensions == [2, 3], "\(name)")
                // Column-major: 1, 4, 2, 5, 3, 6.
                #expect((0..<6).map(array.value(at:)) == [1, 4, 2, 5, 3, 6], "\(name)")
            }
            #expect(mat.arrays["small"].map { ($0.dimensions, $0.value(at: 0)) } ?? ([], 0) == ([1, 1], 7))
            #expect(mat.arrays["negative"].map { [$0.value(at: 0), $0.value(at: 1)] } == [-2.5, 1e300])
            #expect(Set(mat.arrays.keys).isDisjoint(with: ["text", "cells", "record", "complex"]), "\(mat.arrays.keys.sorted())")
        }
    }
}
