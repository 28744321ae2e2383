/// The values of one step's loss and of its parts, as numbers (for records, progress and
/// hooks); the differentiable loss itself is ``ObjectiveValue/total``.
///
/// A step has a labeled half and an unlabeled half (Method.md sections 2-4); each half's
/// parts are the reconstruction `R`, the two KL terms against the prior (`KLc`, `KLd`), the
/// capacities they are held to (`Cc`, `Cd`), the prior term `P`, the posterior matching `Dc`
/// and the classification term (`Dd`, `Du` or M2's cross-entropy). A part an objective does
/// not compute is `nil`.
///
/// ```swift
/// let terms = objective.accumulateGradients(model: model, labeled: batch, unlabeled: images,
///                                           progress: progress, context: context)
/// print(terms.total, terms.unlabeled?.classification ?? 0)
/// ```
public struct LossTerms: Sendable, Equatable {
    /// The step's loss: the sum of the two halves' weighted losses.
    public var total: Float
    /// The labeled half, when the step had a labeled batch.
    public var labeled: Half?
    /// The unlabeled half, when the step had an unlabeled batch.
    public var unlabeled: Half?

    /// The parts of one half of a step.
    public struct Half: Sendable, Equatable {
        /// The half's weighted loss, its share of ``LossTerms/total``.
        public var loss: Float
        /// `R`: the reconstruction term.
        public var reconstruction: Float?
        /// `KLc`: the continuous posterior's KL divergence to the prior `N(0, I)`.
        public var continuousKL: Float?
        /// `KLd`: the class posterior's KL divergence to the uniform prior.
        public var discreteKL: Float?
        /// `Cc`: the capacity `KLc` is held to at this step.
        public var continuousCapacity: Float?
        /// `Cd`: the capacity `KLd` is held to at this step.
        public var discreteCapacity: Float?
        /// `P = bc · |KLc - Cc| + bd · |KLd - Cd|`: the prior term of the half's ELBO.
        public var prior: Float?
        /// `Dc`: the posterior of mixed inputs against the mix of the posteriors.
        public var posteriorMatching: Float?
        /// The classification term: `Dd` (labeled), `Du` (unlabeled) or M2's cross-entropy.
        public var classification: Float?
        /// Terms of a user's objective beyond the parts above, by name (a regularizer, say).
        public var additional: [String: Float]

        /// Creates a half.
        public init(
            loss: Float = 0, reconstruction: Float? = nil, continuousKL: Float? = nil, discreteKL: Float? = nil,
            continuousCapacity: Float? = nil, discreteCapacity: Float? = nil, prior: Float? = nil,
            posteriorMatching: Float? = nil, classification: Float? = nil, additional: [String: Float] = [:]
        ) {
            self.loss = loss
            self.reconstruction = reconstruction
            self.continuousKL = continuousKL
            self.discreteKL = discreteKL
            self.continuousCapacity = continuousCapacity
            self.discreteCapacity = discreteCapacity
            self.prior = prior
            self.posteriorMatching = posteriorMatching
            self.classification = classification
            self.additional = additional
        }

        /// The names of the parts in the order ``named`` lists them; additional terms come
        /// after `classification`, by name.
        static let partNames = [
            "reconstruction", "continuousKL", "discreteKL", "continuousCapacity", "discreteCapacity", "prior",
            "posteriorMatching", "classification", "loss",
        ]

        /// The parts that were computed, by name, in a fixed order (the loss last).
        public var named: [(name: String, value: Float)] {
            let parts: [(String, Float?)] = [
                ("reconstruction", reconstruction), ("continuousKL", continuousKL), ("discreteKL", discreteKL),
                ("continuousCapacity", continuousCapacity), ("discreteCapacity", discreteCapacity), ("prior", prior),
                ("posteriorMatching", posteriorMatching), ("classification", classification),
            ]
            return parts.compactMap { name, value in value.map { (name, $0) } }
                + additional.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [("loss", loss)]
        }
    }

    /// Which half of a step.
    public enum Part: String, Sendable, CaseIterable {
        /// The labeled batch.
        case labeled
        /// The unlabeled batch.
        case unlabeled
    }

    /// Creates the terms of a step.
    public init(total: Float = 0, labeled: Half? = nil, unlabeled: Half? = nil) {
        self.total = total
        self.labeled = labeled
        self.unlabeled = unlabeled
    }

    /// One half, created empty on first write.
    public subscript(part: Part) -> Half {
        get { (part == .labeled ? labeled : unlabeled) ?? Half() }
        set {
            if part == .labeled { labeled = newValue } else { unlabeled = newValue }
        }
    }

    /// Every computed value under a dotted name (`labeled.reconstruction`, ...,
    /// `unlabeled.loss`), `total` last: the keys of `metrics.jsonl`.
    public var named: [(name: String, value: Float)] {
        var result: [(name: String, value: Float)] = []
        for part in Part.allCases {
            guard let half = part == .labeled ? labeled : unlabeled else { continue }
            result += half.named.map { (part.rawValue + "." + $0.name, $0.value) }
        }
        return result + [("total", total)]
    }

    /// The value under a dotted name of ``named``, if it was computed.
    public subscript(name: String) -> Float? {
        named.first { $0.name == name }?.value
    }

    /// Rebuilds terms from dotted names as ``named`` writes them; unknown names are ignored.
    init(named values: [(name: String, value: Float)]) {
        self.init()
        for (name, value) in values {
            if name == "total" { total = value; continue }
            let pieces = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard pieces.count == 2, let part = Part(rawValue: pieces[0]) else { continue }
            var half = self[part]
            switch pieces[1] {
            case "loss": half.loss = value
            case "reconstruction": half.reconstruction = value
            case "continuousKL": half.continuousKL = value
            case "discreteKL": half.discreteKL = value
            case "continuousCapacity": half.continuousCapacity = value
            case "discreteCapacity": half.discreteCapacity = value
            case "prior": half.prior = value
            case "posteriorMatching": half.posteriorMatching = value
            case "classification": half.classification = value
            default: half.additional[pieces[1]] = value
            }
            self[part] = half
        }
    }
}

/// The running sums of the loss terms over an epoch's steps, in double precision; a
/// checkpoint keeps them, so that an epoch's means do not depend on where a run was resumed.
struct LossTermSums: Sendable {
    /// The sum of each dotted name's values, in the order first seen.
    private(set) var sums: [(name: String, value: Double)] = []
    /// Steps added.
    private(set) var steps = 0

    init() {}

    /// Sums restored from a checkpoint.
    init(sums: [(name: String, value: Double)], steps: Int) {
        self.sums = sums
        self.steps = steps
    }

    mutating func add(_ terms: LossTerms) {
        for (name, value) in terms.named {
            if let index = sums.firstIndex(where: { $0.name == name }) {
                sums[index].value += Double(value)
            } else {
                sums.append((name, Double(value)))
            }
        }
        steps += 1
    }

    /// The mean of each term over the steps added, by dotted name (none when no step was).
    var means: [(name: String, value: Double)] {
        steps == 0 ? [] : sums.map { ($0.name, $0.value / Double(steps)) }
    }

    /// The means as loss terms.
    var mean: LossTerms {
        LossTerms(named: means.map { ($0.name, Float($0.value)) })
    }
}

extension LossTermSums {
    /// `sums` in the order ``LossTerms/named`` writes them (names it does not know last, by
    /// name): the order of sums read back from a checkpoint's dictionary.
    static func canonicallyOrdered(_ sums: [(name: String, value: Double)]) -> [(name: String, value: Double)] {
        let parts = LossTerms.Part.allCases.map(\.rawValue)
        let fields = LossTerms.Half.partNames
        /// (half, part, name): additional terms rank between `classification` and `loss`.
        func rank(_ name: String) -> (Int, Int, String) {
            if name == "total" { return (parts.count, 0, name) }
            let pieces = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard pieces.count == 2, let part = parts.firstIndex(of: pieces[0]) else { return (parts.count + 1, 0, name) }
            return (part, fields.firstIndex(of: pieces[1]) ?? fields.count - 1, pieces[1] == "loss" ? "~" : name)
        }
        return sums.sorted { rank($0.name) < rank($1.name) }
    }
}
