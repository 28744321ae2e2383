import Testing

@testable import SHOTVAE

/// Finite-difference checks of reductions and shape operations (tolerances: ``GradientTolerance``).
@Suite struct ShapeGradientTests {
    @Test func sumAll() {
        checkGradients([randomTensor([3, 4], seed: 1)]) { $0[0].sum() }
    }

    @Test func meanAll() {
        checkGradients([randomTensor([3, 4], seed: 2)]) { $0[0].mean() }
    }

    @Test(arguments: [[0], [1], [-1], [0, 2], [1, 2]])
    func sumAlongAxes(axes: [Int]) {
        checkGradients([randomTensor([2, 3, 4], seed: 3)]) { $0[0].sum(alongAxes: axes) }
    }

    @Test func meanAlongAxesKeepingDimensions() {
        checkGradients([randomTensor([2, 3, 4], seed: 4)]) { $0[0].mean(alongAxes: [0, 2], keepingDimensions: true) }
    }

    @Test func reshapeAndFlatten() {
        checkGradients([randomTensor([2, 3, 2, 2], seed: 5)]) { v in
            v[0].flattened().reshaped(to: [4, -1]) * v[0].reshaped(to: [4, 6])
        }
    }

    @Test(arguments: [0, 1, -1])
    func concat(axis: Int) {
        let shapes: [[Int]]
        switch axis {
        case 0: shapes = [[2, 3], [4, 3]]
        default: shapes = [[2, 3], [2, 5]]
        }
        checkGradients([randomTensor(shapes[0], seed: 6), randomTensor(shapes[1], seed: 7)]) {
            SHOTVAE.concat([$0[0], $0[1]], axis: axis)
        }
    }

    @Test func concatFourDimensionalChannels() {
        checkGradients([randomTensor([2, 1, 2, 3], seed: 8), randomTensor([2, 2, 2, 3], seed: 9)]) {
            SHOTVAE.concat([$0[0], $0[1]], axis: 1)
        }
    }

    @Test func gatherRowsWithPermutationAndRepeats() {
        checkGradients([randomTensor([4, 3], seed: 10)]) { v in
            v[0].gatheringRows([2, 0, 3, 1]) + v[0].gatheringRows([1, 1, 0, 0])
        }
    }

    @Test func rowRangesThatOverlapAndCover() {
        checkGradients([randomTensor([5, 2, 3], seed: 12)]) { v in
            SHOTVAE.concat([v[0].rows(0..<2), v[0].rows(2..<5)], axis: 0) * v[0] + v[0].rows(1..<4).sum() * 0.5
        }
    }

    @Test func reflectPadding() {
        checkGradients([randomTensor([2, 2, 4, 5], seed: 11)]) { $0[0].reflectPadded(by: 2) }
    }
}
