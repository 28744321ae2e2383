/// One training step of a run spread over several processes: the whole batches, which every
/// process draws alike, and the rows each process computes.
///
/// An objective computes its loss on the rows of ``labeled`` and ``unlabeled`` that this
/// process holds, and keeps the step equal to the one-process step on the whole batch:
///
/// - every mean over the batch is a mean over the whole batch (``mean(_:of:)``): the
///   processes' shares are summed, the value is the same on every process, and each
///   process's gradient covers its own examples, so that the sum of the processes'
///   gradients is the whole batch's;
/// - mixing partners are chosen among the whole batch, whose images every process has
///   (``wholeImages(of:)``) and whose posteriors are gathered (``wholeBatch(_:of:)``);
/// - per-example random draws are made for the whole batch and each process keeps its rows
///   (``ForwardContext/exampleRows``), so that an example's draws do not depend on how many
///   processes share the step or which one holds it.
///
/// The library's objectives (``ELBOObjective`` and its subclasses) do all three.
public final class BatchShard {
    /// The processes of the run.
    public let communicator: any Communicator
    /// The step's whole labeled batch, the same on every process.
    public let wholeLabeled: LabeledBatch?
    /// The step's whole unlabeled batch, the same on every process.
    public let wholeUnlabeled: Tensor?

    /// Creates the shard of a step.
    ///
    /// - Parameters:
    ///   - communicator: The processes of the run; at least two.
    ///   - wholeLabeled: The whole labeled batch, if the step has one.
    ///   - wholeUnlabeled: The whole unlabeled batch, if the step has one.
    public init(communicator: any Communicator, wholeLabeled: LabeledBatch?, wholeUnlabeled: Tensor?) {
        self.communicator = communicator
        self.wholeLabeled = wholeLabeled
        self.wholeUnlabeled = wholeUnlabeled
    }

    /// The division of `part`'s whole batch.
    ///
    /// - Precondition: the step has that batch.
    public func rows(of part: LossTerms.Part) -> BatchRows {
        let count: Int?
        switch part {
        case .labeled: count = wholeLabeled?.labels.count
        case .unlabeled: count = wholeUnlabeled?.shape.first
        }
        guard let count else { preconditionFailure("The step has no \(part) batch.") }
        return BatchRows(wholeCount: count, processCount: communicator.size, rank: communicator.rank)
    }

    /// The whole batch's images of `part`.
    public func wholeImages(of part: LossTerms.Part) -> Tensor {
        switch part {
        case .labeled: return wholeLabeled!.images
        case .unlabeled: return wholeUnlabeled!
        }
    }

    /// This process's share of the labeled batch, if the step has one.
    public func ownLabeled() -> LabeledBatch? {
        guard let wholeLabeled else { return nil }
        let own = rows(of: .labeled).own
        return LabeledBatch(images: wholeLabeled.images.rows(Array(own)), labels: Array(wholeLabeled.labels[own]))
    }

    /// This process's share of the unlabeled batch, if the step has one.
    public func ownUnlabeled() -> Tensor? {
        wholeUnlabeled.map { $0.rows(Array(rows(of: .unlabeled).own)) }
    }

    /// The whole batch's mean of a quantity whose mean over this process's examples of `part`
    /// is `ownMean`: `Σ_r (n_r / n) · m_r`, the same value on every process. The gradient
    /// flows into `ownMean` with the weight `n_r / n`, so that the processes' gradients sum
    /// to the whole batch's.
    public func mean(_ ownMean: Variable, of part: LossTerms.Part) -> Variable {
        means([ownMean], of: part)[0]
    }

    /// ``mean(_:of:)`` of several quantities, in one reduction.
    public func means(_ ownMeans: [Variable], of part: LossTerms.Part) -> [Variable] {
        let rows = rows(of: part)
        let weight = Float(rows.own.count) / Float(rows.wholeCount)
        var sums = ownMeans.map { $0.value.scalar * weight }
        sums.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
        return zip(ownMeans, sums).map { ownMean, sum in
            let shape = ownMean.shape
            return Variable(Tensor(shape: shape, repeating: sum), inputs: [ownMean]) { [node = ownMean.node] gradient in
                node?.accumulateGradient(Tensor(shape: shape, repeating: gradient.scalar * weight))
            }
        }
    }

    /// The whole batch of `part` of a per-example tensor of which this process holds its
    /// rows (`[n_r, ...]`): the processes' rows concatenated in rank order, `[n, ...]`.
    public func wholeBatch(_ own: Tensor, of part: LossTerms.Part) -> Tensor {
        let rows = rows(of: part)
        precondition(own.shape.first == rows.own.count, "\(rows.own.count) rows expected, got shape \(own.shape).")
        let rowSize = own.count / max(rows.own.count, 1)
        var whole = Tensor(uninitializedShape: [rows.wholeCount] + own.shape.dropFirst())
        whole.withUnsafeMutableBufferPointer { result in
            own.withUnsafeBufferPointer { values in
                communicator.allGather(values, counts: rows.counts.map { $0 * rowSize }, into: result)
            }
        }
        return whole
    }
}
