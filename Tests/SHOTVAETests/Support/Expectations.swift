import Foundation
import Testing

@testable import SHOTVAE

/// Expects two tensors to have the same shape and every pair of elements to satisfy
/// `|a - b| <= absolute + relative * |b|` (NumPy's `allclose`, with `b` the reference).
func expectClose(
    _ actual: Tensor, _ expected: Tensor, relative: Float = 1e-5, absolute: Float = 1e-5,
    _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record("\(comment) shape \(actual.shape) != expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let a = actual.scalars
    let b = expected.scalars
    var worst = 0
    var worstExcess: Float = -.infinity
    for i in a.indices {
        let excess = abs(a[i] - b[i]) - (absolute + relative * abs(b[i]))
        if excess > worstExcess || excess.isNaN {
            worstExcess = excess.isNaN ? .infinity : excess
            worst = i
        }
    }
    if !a.isEmpty && worstExcess > 0 {
        Issue.record(
            "\(comment) element \(worst): \(a[worst]) vs expected \(b[worst]) (tolerance \(absolute) + \(relative)·|expected|)",
            sourceLocation: sourceLocation)
    }
}

/// Expects two numbers to satisfy `|a - b| <= absolute + relative * |b|`.
func expectClose(
    _ actual: Float, _ expected: Float, relative: Float = 1e-5, absolute: Float = 1e-5,
    _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    let tolerance = absolute + relative * abs(expected)
    #expect(
        abs(actual - expected) <= tolerance,
        "\(comment) \(actual) vs expected \(expected) (tolerance \(tolerance))",
        sourceLocation: sourceLocation)
}

/// A tensor of seeded standard-normal values, for test inputs.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, shift: Float = 0) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor(normal: shape, mean: shift, standardDeviation: scale, generator: &rng)
}

/// A URL inside the test bundle's fixture folder.
func fixtureURL(_ name: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Data").appendingPathComponent(name)
}

/// A fresh folder for one test, removed with its contents when the test's suite instance
/// (which holds it) goes away.
final class TemporaryFolder {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("shotvae-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// A path inside the folder.
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}
