/// A node of the computation graph: a value, its gradient, and how to pass gradients back.
///
/// Operations on variables (`+`, ``matmul(_:_:transposeA:transposeB:)``, ``conv2d(_:weight:bias:stride:padding:)``,
/// ``relu()``, the losses, ...) compute their value at once and, when any input requires a
/// gradient, remember a closure that adds the output's gradient into the inputs' gradients.
/// ``backward(gradient:)`` runs those closures in reverse topological order (reverse-mode
/// automatic differentiation, as in Karpathy's micrograd, typed and batched).
///
/// Gradients are computed only where needed: an operation whose inputs all have
/// `requiresGradient == false` records nothing. Build targets "without gradient" (the mixed
/// posteriors of PAPER.md sections 3 and 4) from plain ``Tensor`` values or from
/// ``detached()`` variables, and they cost no graph at all.
///
/// ```swift
/// let w = Variable(Tensor(shape: [2], scalars: [1, -2]), requiresGradient: true)
/// let x = Variable(Tensor(shape: [2], scalars: [3, 4]))
/// let loss = (w * x).sum()
/// loss.backward()
/// print(w.gradient!.scalars)   // [3.0, 4.0]
/// ```
public final class Variable {
    /// The value computed by the forward pass.
    public var value: Tensor
    /// The accumulated gradient of the last ``backward(gradient:)`` with respect to this
    /// value; `nil` before any backward pass reached it. Gradients of leaves accumulate over
    /// several backward passes until ``zeroGradient()``.
    public internal(set) var gradient: Tensor?
    /// Whether gradients flow to (and through) this variable.
    public let requiresGradient: Bool

    /// The variables this one was computed from (empty for leaves and after backward).
    var inputs: [Variable]
    /// Adds this variable's gradient, given as the argument, into the inputs' gradients.
    var backwardFunction: ((Tensor) -> Void)?
    /// Whether a backward pass already ran through this node and released it.
    private var isReleased = false

    /// Creates a leaf variable.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - requiresGradient: Whether ``backward(gradient:)`` should compute this variable's
    ///     gradient; `true` for trainable parameters and inputs under a gradient check.
    public init(_ value: Tensor, requiresGradient: Bool = false) {
        self.value = value
        self.requiresGradient = requiresGradient
        self.inputs = []
        self.backwardFunction = nil
    }

    /// Creates the output of an operation.
    ///
    /// When no input requires a gradient, the result is a constant and `backward` is dropped;
    /// otherwise `backward` receives the result's gradient and must call
    /// ``accumulateGradient(_:)`` on each input that requires one.
    init(_ value: Tensor, inputs: [Variable], backward: @escaping (Tensor) -> Void) {
        self.value = value
        if inputs.contains(where: \.requiresGradient) {
            self.requiresGradient = true
            self.inputs = inputs
            self.backwardFunction = backward
        } else {
            self.requiresGradient = false
            self.inputs = []
            self.backwardFunction = nil
        }
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }

    /// A constant with the same value: gradients stop here.
    public func detached() -> Variable {
        Variable(value)
    }

    /// Forgets the accumulated gradient.
    public func zeroGradient() {
        gradient = nil
    }

    /// Adds `contribution` into ``gradient`` (which starts at zero).
    func accumulateGradient(_ contribution: Tensor) {
        precondition(
            contribution.shape == value.shape,
            "Gradient of shape \(contribution.shape) does not match value of shape \(value.shape).")
        if gradient == nil {
            gradient = contribution
        } else {
            gradient!.add(contribution)
        }
    }

    /// Computes the gradient of this value with respect to every variable it depends on
    /// that requires a gradient, and adds it into their ``gradient``.
    ///
    /// The graph is released afterwards (like PyTorch without `retain_graph`): the
    /// intermediate nodes forget their inputs and gradients, leaves keep their gradients.
    ///
    /// - Parameter seed: The gradient of the final quantity with respect to this value;
    ///   by default ones, which for a scalar loss is `d loss / d loss = 1`.
    public func backward(gradient seed: Tensor? = nil) {
        precondition(requiresGradient, "backward() on a value that does not depend on any gradient.")
        precondition(!isReleased, "backward() on a graph that an earlier backward() released.")
        let order = topologicalOrder()
        accumulateGradient(seed ?? Tensor(shape: value.shape, repeating: 1))
        for node in order.reversed() {
            guard let function = node.backwardFunction else { continue }
            if let gradient = node.gradient {
                function(gradient)
            }
            node.backwardFunction = nil
            node.inputs = []
            node.gradient = nil
            node.isReleased = true
        }
    }

    /// The nodes reachable from this one that require gradients, each after its inputs
    /// (iterative depth-first search, so deep networks do not exhaust the stack).
    func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Variable, expanded: Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.inputs where input.requiresGradient
                && !visited.contains(ObjectIdentifier(input))
            {
                stack.append((input, false))
            }
        }
        return order
    }
}

extension Variable: CustomStringConvertible {
    /// The value's description, marked when the variable requires a gradient.
    public var description: String {
        "Variable(\(value)\(requiresGradient ? ", requiresGradient" : ""))"
    }
}
