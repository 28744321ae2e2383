import Testing

@testable import SHOTVAE

/// What `print` and string interpolation show of a tensor, and what `debugPrint` shows.
@Suite struct TensorDescriptionTests {
    @Test func scalarReadsAsItsNumber() {
        #expect("\(Tensor(128.45828))" == "128.45828")
        #expect(Tensor(-0.5).description == "-0.5")
        #expect(Tensor(.nan).description == "nan")
    }

    @Test func smallTensorsNestTheirElementsByDimension() {
        #expect(Tensor(shape: [3], scalars: [1, 2.5, -3]).description == "[1.0, 2.5, -3.0] (shape [3])")
        #expect(
            Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).description
                == "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]] (shape [2, 3])")
        #expect(
            Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4]).description
                == "[[[1.0, 2.0]], [[3.0, 4.0]]] (shape [2, 1, 2])")
        #expect(Tensor(shape: [1]).description == "[0.0] (shape [1])")
        #expect(Tensor(shape: [0]).description == "[] (shape [0])")
        #expect(Tensor(shape: [2, 0]).description == "[[], []] (shape [2, 0])")
        #expect(Tensor(shape: [0, 3]).description == "[] (shape [0, 3])")
    }

    @Test func largeTensorsShowTheirEndsAndCount() {
        let t = Tensor(shape: [5, 20], scalars: (0..<100).map(Float.init))
        #expect(t.description == "[0.0, 1.0, 2.0, ..., 97.0, 98.0, 99.0] (shape [5, 20], 100 elements)")
        #expect(Tensor(shape: [8, 8]).description.hasSuffix("(shape [8, 8])"), "64 elements are shown in full")
    }

    @Test func debugDescriptionIsExactOrSummarized() {
        #expect(Tensor(shape: [2], scalars: [1, 2]).debugDescription == "Tensor(shape: [2], scalars: [1.0, 2.0])")
        #expect(Tensor(2).debugDescription == "Tensor(shape: [], scalars: [2.0])")
        var scalars = (0..<100).map(Float.init)
        #expect(
            Tensor(shape: [100], scalars: scalars).debugDescription
                == "Tensor(shape: [100], 100 elements in 0.0...99.0, mean 49.5)")
        scalars[3] = .nan
        scalars[4] = .infinity
        #expect(
            Tensor(shape: [100], scalars: scalars).debugDescription.hasSuffix(", 2 not finite)"))
        #expect(
            Tensor(shape: [70], repeating: .nan).debugDescription == "Tensor(shape: [70], 70 elements, 70 not finite)")
    }
}
