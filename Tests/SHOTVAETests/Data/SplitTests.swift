import Testing

@testable import SHOTVAE

@Suite struct SplitTests {
    /// 10 classes with 20 images each; image i of class k has the value 100·k + i.
    let set: LabeledImages = {
        var labels: [Int] = []
        var values: [Float] = []
        for k in 0..<10 {
            for i in 0..<20 {
                labels.append(k)
                values.append(Float(100 * k + i))
            }
        }
        return LabeledImages(images: Tensor(shape: [200, 1, 1, 1], scalars: values), labels: labels, classCount: 10)
    }()

    @Test func splitIsClassBalancedSeededAndHoldsOutValidation() throws {
        var rng = RandomGenerator(seed: 1)
        let split = try SemiSupervisedSplit(set, labelsPerClass: 3, validationPerClass: 2, generator: &rng)
        #expect(split.labeled.count == 30 && split.validation.count == 20 && split.unlabeled.count == 180)
        for k in 0..<10 {
            #expect(split.labeled.labels.filter { $0 == k }.count == 3)
            #expect(split.validation.labels.filter { $0 == k }.count == 2)
        }
        let validationValues = Set(split.validation.images.scalars)
        #expect(validationValues.isDisjoint(with: split.unlabeled.images.scalars))
        #expect(validationValues.isDisjoint(with: split.labeled.images.scalars))
        #expect(Set(split.labeled.images.scalars).isSubset(of: split.unlabeled.images.scalars))
        var again = RandomGenerator(seed: 1)
        #expect(try SemiSupervisedSplit(set, labelsPerClass: 3, validationPerClass: 2, generator: &again).labeledIndices == split.labeledIndices)
        // Labels follow their images.
        for (value, label) in zip(split.labeled.images.scalars, split.labeled.labels) { #expect(Int(value) / 100 == label) }
    }

    @Test func unlabeledSetIsTheWholeTrainingSetWithoutValidation() throws {
        var rng = RandomGenerator(seed: 2)
        let split = try SemiSupervisedSplit(set, labelsPerClass: 1, generator: &rng)
        #expect(split.unlabeled.count == 200)
    }

    /// Images without a class join the unlabeled set after the training images; the labeled
    /// and validation sets stay as they were.
    @Test func unlabeledImagesJoinTheUnlabeledSet() throws {
        var rng = RandomGenerator(seed: 5)
        let split = try SemiSupervisedSplit(set, labelsPerClass: 2, validationPerClass: 1, generator: &rng)
        let extra = UnlabeledImages(images: Tensor(shape: [3, 1, 1, 1], scalars: [-1, -2, -3]))
        let joined = try split.addingUnlabeled(extra)
        #expect(joined.unlabeled.count == 193 && joined.unlabeled.images.shape == [193, 1, 1, 1])
        #expect(Array(joined.unlabeled.images.scalars.prefix(190)) == split.unlabeled.images.scalars)
        #expect(Array(joined.unlabeled.images.scalars.suffix(3)) == [-1, -2, -3])
        #expect(joined.labeledIndices == split.labeledIndices && joined.validation.count == 10)
        #expect(joined.unlabeled.images(at: [191]).scalars == [-2])
        #expect(throws: SHOTVAEError.self) { try split.addingUnlabeled(UnlabeledImages(images: Tensor(shape: [1, 1, 2, 2]))) }
    }

    @Test func askingForTooManyImagesThrows() {
        var rng = RandomGenerator(seed: 3)
        #expect(throws: SHOTVAEError.self) { try SemiSupervisedSplit(set, labelsPerClass: 15, validationPerClass: 6, generator: &rng) }
        #expect(throws: SHOTVAEError.self) { try SemiSupervisedSplit(set, labelsPerClass: 0, generator: &rng) }
    }

    @Test func batchOrderVisitsEveryItemOncePerPassAndCycles() throws {
        var order = BatchOrder(count: 10, batchSize: 3, generator: RandomGenerator(seed: 4))
        #expect(order.batchesPerPass == 3)
        let pass = (0..<3).flatMap { _ in order.next() }
        #expect(Set(pass).count == 9)
        let next = order.next()  // a new, reshuffled pass
        #expect(order.position == 3 && next.count == 3)
        let restored = try BatchOrder(count: 10, batchSize: 3, generator: order.generator, order: order.order, position: order.position)
        var a = order
        var b = restored
        #expect((0..<7).map { _ in a.next() } == (0..<7).map { _ in b.next() })
        #expect(throws: SHOTVAEError.self) {
            try BatchOrder(count: 11, batchSize: 3, generator: order.generator, order: order.order, position: 0)
        }
    }

    @Test func paddingAndScaling() {
        let images = LabeledImages(images: Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 0.5, 0.25]), labels: [0], classCount: 2)
        let padded = images.padded(to: 4).scaled(to: -1...1)
        #expect(padded.images.shape == [1, 1, 4, 4])
        #expect(padded.images.scalars == [-1, -1, -1, -1, -1, -1, 1, -1, -1, 0, -0.5, -1, -1, -1, -1, -1])
        // (1 + 0 - 0.5 - 13) / 16
        #expect(padded.meanPixel == -0.78125)
        #expect(images.meanPixel == 0.4375)
    }
}
