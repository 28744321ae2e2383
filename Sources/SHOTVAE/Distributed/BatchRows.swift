/// The rows of one step's whole batch that a process holds, in a run spread over several
/// processes.
///
/// The whole batch of `wholeCount` examples is cut into one contiguous share per process,
/// in rank order and as even as can be: process `r` of `n` holds the rows
/// `wholeCount · r / n ..< wholeCount · (r + 1) / n`. In one process the share is the whole
/// batch.
public struct BatchRows: Sendable, Equatable {
    /// The number of examples in the whole batch.
    public let wholeCount: Int
    /// The number of processes.
    public let processCount: Int
    /// This process's rank.
    public let rank: Int

    /// The division of a batch of `wholeCount` examples among `processCount` processes, seen
    /// from process `rank`.
    public init(wholeCount: Int, processCount: Int, rank: Int) {
        precondition(processCount > 0 && (0..<processCount).contains(rank), "Rank \(rank) of \(processCount) processes.")
        precondition(wholeCount >= processCount, "A batch of \(wholeCount) cannot give each of \(processCount) processes an example.")
        self.wholeCount = wholeCount
        self.processCount = processCount
        self.rank = rank
    }

    /// The rows of process `rank`.
    public func rows(of rank: Int) -> Range<Int> {
        (wholeCount * rank / processCount)..<(wholeCount * (rank + 1) / processCount)
    }

    /// This process's rows.
    public var own: Range<Int> { rows(of: rank) }

    /// Every process's number of rows, by rank.
    public var counts: [Int] { (0..<processCount).map { rows(of: $0).count } }

    /// Whether this process holds the whole batch.
    public var isWhole: Bool { processCount == 1 }
}
