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
    ///   - communicator: The processes that share the work: each classifies its share of
    ///     `set` (the same on every process) and the counts are summed; by default this
    ///     process alone.
    public init(
        model: SemiSupervisedVAE, set: LabeledImages, batchSize: Int = 1000,
        communicator: any Communicator = SingleProcessCommunicator()
    ) {
        let classes = model.classCount
        // The counts: wrong, wrong in the top 5, then correct and total per class.
        var counts = [Double](repeating: 0, count: 2 + 2 * classes)
        let share = (set.count * communicator.rank / communicator.size)..<(set.count * (communicator.rank + 1) / communicator.size)
        let images = share.count == set.count ? set.images : set.images.rows(Array(share))
        let logAlpha = share.isEmpty ? Tensor(shape: [0, classes]) : model.classLogProbabilities(images, batchSize: batchSize)
        let p = logAlpha.pointer
        for (i, label) in set.labels[share].enumerated() {
            let row = p + i * classes
            // The rank of the true class: how many classes are strictly more probable.
            var above = 0
            for k in 0..<classes where row[k] > row[label] || (row[k] == row[label] && k < label) { above += 1 }
            counts[2 + classes + label] += 1
            if above == 0 { counts[2 + label] += 1 } else { counts[0] += 1 }
            if above >= 5 { counts[1] += 1 }
        }
        if communicator.size > 1 { counts.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) } }
        count = set.count
        error = count == 0 ? 0 : counts[0] / Double(count)
        top5Error = count == 0 ? 0 : counts[1] / Double(count)
        perClassAccuracy = (0..<classes).map { k in
            counts[2 + classes + k] == 0 ? 0 : counts[2 + k] / counts[2 + classes + k]
        }
    }
}
