/// Updates parameters from their gradients.
///
/// An optimizer binds once to a list of parameters (usually `model.parameters`) and keeps
/// its per-parameter state in parallel with that list. Each training step calls
/// `backward()` on the loss, then ``step()``, then ``zeroGradients()``. Parameters whose
/// gradient is `nil` (no backward pass reached them) are left unchanged, as in PyTorch.
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates, in a fixed order.
    var parameters: [Parameter] { get }
    /// The step size; learning-rate schedules set it between steps.
    var learningRate: Float { get set }
    /// Updates every parameter that has a gradient.
    func step()
    /// Everything the optimizer remembers between steps (momentum, moment estimates, step
    /// counts), for checkpoints.
    var state: OptimizerState { get }
    /// Continues from a saved state, so that later steps equal an uninterrupted run's.
    ///
    /// - Throws: ``SHOTVAEError`` when the state does not fit these parameters.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Forgets the gradients of every bound parameter.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// Checks a saved state's tensors against the bound parameters: each key must be
    /// `<name>.<index>` with a known name, a valid index and the parameter's shape.
    func validate(_ state: OptimizerState, names: Set<String>) throws {
        for (key, tensor) in state.tensors {
            let parts = key.split(separator: ".")
            guard parts.count == 2, names.contains(String(parts[0])), let index = Int(parts[1]),
                index >= 0, index < parameters.count
            else {
                throw SHOTVAEError(.mismatch, "optimizer state \"\(key)\" does not belong to this optimizer")
            }
            guard tensor.shape == parameters[index].shape else {
                throw SHOTVAEError(
                    .mismatch,
                    "optimizer state \"\(key)\" has shape \(tensor.shape), parameter \(index) has shape \(parameters[index].shape)")
            }
        }
    }
}

/// The saved state of an ``Optimizer``: named tensors (`momentum.3` is the momentum buffer of
/// parameter 3) and integer counters (`step`).
public struct OptimizerState: Equatable, Sendable {
    /// Per-parameter tensors, keyed `<name>.<parameter index>`.
    public var tensors: [String: Tensor]
    /// Integer counters, such as the number of steps taken.
    public var counters: [String: Int]

    /// Creates a state.
    public init(tensors: [String: Tensor] = [:], counters: [String: Int] = [:]) {
        self.tensors = tensors
        self.counters = counters
    }
}
