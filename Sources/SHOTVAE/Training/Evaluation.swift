/// How well a model classifies a labeled set: top-1 error, top-5 error and per-class accuracy.
public struct ClassificationReport: Sendable, Equatable, Codable {
    /// The fraction of images whose most probable class is wrong.
    public var error: Double
    /// The fraction of images whose label is not among the five most probable classes.
    public var top5Error: Double
    /// For each class, the fraction of its images classified correctly.
    public var perClassAccuracy: [Double]
    /// The number of images.
    public var count: Int

    /// Classifies `set` with `model` (argmax of α, inference mode) and compares with the labels.
    ///
    /// - Parameters:
    ///   - model: The model.
    ///   - set: Images and labels.
    ///   - batchSize: Images per forward pass.
    public init(model: SemiSupervisedVAE, set: LabeledImages, batchSize: Int = 1000) {
        let classes = model.classCount
        let logAlpha = model.classLogProbabilities(set.images, batchSize: batchSize)
        var wrong = 0
        var wrongTop5 = 0
        var correctPerClass = [Int](repeating: 0, count: classes)
        var totalPerClass = [Int](repeating: 0, count: classes)
        let p = logAlpha.pointer
        for (i, label) in set.labels.enumerated() {
            let row = p + i * classes
            // The rank of the true class: how many classes are strictly more probable.
            var above = 0
            for k in 0..<classes where row[k] > row[label] || (row[k] == row[label] && k < label) { above += 1 }
            totalPerClass[label] += 1
            if above == 0 { correctPerClass[label] += 1 } else { wrong += 1 }
            if above >= 5 { wrongTop5 += 1 }
        }
        count = set.count
        error = count == 0 ? 0 : Double(wrong) / Double(count)
        top5Error = count == 0 ? 0 : Double(wrongTop5) / Double(count)
        perClassAccuracy = zip(correctPerClass, totalPerClass).map { $1 == 0 ? 0 : Double($0) / Double($1) }
    }
}
