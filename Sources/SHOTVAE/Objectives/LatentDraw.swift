/// One random draw of the latent variables during a step: which latent it is for, the half and
/// the pass of the objective that made it, and its shape.
///
/// The model samples `z = μ + σ ⊙ ε` and the Gumbel-softmax `y = softmax((log α + g) / τ)`
/// with `g = -log(-log(u + 1e-12) + 1e-12)` (Method.md section 1). While an objective of the
/// ``ELBOObjective`` family computes a step, it supplies `ε` and `u` through its
/// ``LatentNoiseSource`` methods, which see the draw described by this value; a subclass
/// overrides them to try other noise (antithetic pairs, quasi-random points, a fixed draw for
/// one pass) without touching the model.
///
/// ```swift
/// final class FixedUnlabeledNoise: SHOTObjective {
///     override func reparameterizationNoise(for draw: LatentDraw, context: ForwardContext) -> Tensor {
///         draw.part == .unlabeled ? Tensor(shape: draw.shape) : super.reparameterizationNoise(for: draw, context: context)
///     }
/// }
/// ```
public struct LatentDraw: Sendable, Equatable {
    /// Which latent variable a draw is for.
    public enum Latent: String, Sendable, CaseIterable {
        /// The standard-normal `ε` of the continuous latent's reparameterization.
        case continuous
        /// The uniforms `u ∈ [0, 1)` of the class latent's Gumbel-softmax sample.
        case categorical
    }

    /// A named pass of an objective over one half's batch.
    public struct Pass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The pass's name.
        public var rawValue: String
        /// Creates a pass name; a subclass names its own passes with it.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The plain pass of a half: the labeled batch with its one-hot labels as `y`, the
        /// unlabeled batch with a Gumbel-softmax sample.
        public static let plain = Pass(rawValue: "plain")
        /// The pass over the mixed inputs `λ x + (1 - λ) x[idx]` (Method.md sections 3 and 4).
        public static let interpolated = Pass(rawValue: "interpolated")
        /// The name.
        public var description: String { rawValue }
    }

    /// Where in a step a draw is made: the half and the pass.
    public struct Origin: Sendable, Equatable {
        /// The half of the step whose batch the pass runs over.
        public var part: LossTerms.Part
        /// The pass.
        public var pass: Pass
        /// Creates an origin.
        public init(part: LossTerms.Part, pass: Pass) {
            self.part = part
            self.pass = pass
        }
    }

    /// The latent the draw is for.
    public var latent: Latent
    /// The half and pass the draw is made in; `nil` outside an objective's named passes (the
    /// training pictures, a pass a subclass did not name).
    public var origin: Origin?
    /// The shape of the draw, `[B, Dz]` or `[B, K]` for the pass's `B` examples.
    public var shape: [Int]

    /// Creates a description of a draw.
    public init(latent: Latent, origin: Origin?, shape: [Int]) {
        self.latent = latent
        self.origin = origin
        self.shape = shape
    }

    /// The half of the step, when the draw is made in a named pass.
    public var part: LossTerms.Part? { origin?.part }
    /// The pass, when the draw is made in a named pass.
    public var pass: Pass? { origin?.pass }

    /// The library's draw from the context's generator: standard-normal `ε` or uniforms in
    /// `[0, 1)`, per example (``ForwardContext/perExampleDraw(_:_:)``: in a step divided among
    /// processes, the whole batch's draws, of which this pass keeps its rows).
    public func standardDraw(context: ForwardContext) -> Tensor {
        switch latent {
        case .continuous: context.perExampleDraw(shape) { Tensor(normal: $0, generator: &$1) }
        case .categorical: context.perExampleDraw(shape) { Tensor(uniform: $0, generator: &$1) }
        }
    }
}

/// Supplies the latent noise of the passes it runs: the reparameterization's `ε` and the
/// Gumbel-softmax uniforms, for each ``LatentDraw``. ``ELBOObjective`` and its subclasses are
/// sources during their steps (see ``ForwardContext/latentNoiseSource``).
public protocol LatentNoiseSource: AnyObject {
    /// The standard-normal `ε` of `z = μ + σ ⊙ ε` for `draw`, of shape `draw.shape`.
    func reparameterizationNoise(for draw: LatentDraw, context: ForwardContext) -> Tensor
    /// The uniforms `u ∈ [0, 1)` of the Gumbel noise `g = -log(-log(u + 1e-12) + 1e-12)` for
    /// `draw`, of shape `draw.shape`.
    func gumbelUniforms(for draw: LatentDraw, context: ForwardContext) -> Tensor
}
