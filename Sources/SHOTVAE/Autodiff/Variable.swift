/// A value in a computation, and, when it depends on something trainable, its place in the
/// graph that carries gradients back.
///
/// Operations on variables (`+`, ``matmul(_:_:transposeA:transposeB:)``, ``conv2d(_:weight:bias:stride:padding:)``,
/// ``relu()``, the losses, ...) compute their value at once and, when any input requires a
/// gradient, record a node with a closure that adds the output's gradient into the inputs'
/// gradients. ``backward(gradient:)`` runs those closures in reverse topological order
/// (reverse-mode automatic differentiation, as in Karpathy's micrograd, typed and batched).
///
/// The graph holds nodes, not values: each closure keeps only the tensors its derivative needs
/// (as PyTorch keeps "saved tensors"), and an intermediate value is freed as soon as no
/// `Variable` and no closure refers to it.
///
/// Gradients are computed only where needed: an operation whose inputs all have
/// `requiresGradient == false` records nothing. Build targets "without gradient" (the mixed
/// posteriors of Method.md sections 3 and 4) from plain ``Tensor`` values or from
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
    /// The variable's place in the gradient graph; `nil` for constants.
    let node: GradientNode?

    /// Creates a leaf variable.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - requiresGradient: Whether ``backward(gradient:)`` should compute this variable's
    ///     gradient; `true` for trainable parameters and inputs under a gradient check.
    public init(_ value: Tensor, requiresGradient: Bool = false) {
        self.value = value
        node = requiresGradient ? GradientNode(shape: value.shape, inputs: [], backward: nil) : nil
    }

    /// Creates the output of an operation.
    ///
    /// When no input requires a gradient, the result is a constant and `backward` is dropped;
    /// otherwise `backward` receives the result's gradient and must add each input's share
    /// into that input's node (``GradientNode/accumulateGradient(_:)``). It must capture the
    /// input nodes, never the input variables, so that values not needed by the derivative
    /// can be freed.
    init(_ value: Tensor, inputs: [Variable], backward: @escaping (Tensor) -> Void) {
        self.value = value
        let inputNodes = inputs.compactMap(\.node)
        node = inputNodes.isEmpty ? nil : GradientNode(shape: value.shape, inputs: inputNodes, backward: backward)
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }

    /// The only element of ``value``, which must hold exactly one element: a loss, a sum, one
    /// of an objective's terms.
    ///
    /// ```swift
    /// let loss = (w * x).sum()
    /// let number: Float = loss.scalar   // -5.0 for the w and x of the example above
    /// ```
    ///
    /// - Precondition: `value.count == 1` (a shape of `[]`, `[1]`, `[1, 1]`, ...).
    public var scalar: Float { value.scalar }

    /// Whether gradients flow to (and through) this variable.
    public var requiresGradient: Bool { node != nil }

    /// The accumulated gradient of the last ``backward(gradient:)`` with respect to this
    /// value; `nil` before any backward pass reached it. Gradients of leaves accumulate over
    /// several backward passes until ``zeroGradient()``; those of intermediate values are
    /// released with the graph.
    public internal(set) var gradient: Tensor? {
        get { node?.gradient }
        set {
            precondition(node != nil || newValue == nil, "A constant has no gradient.")
            node?.gradient = newValue
        }
    }

    /// A constant with the same value: gradients stop here.
    public func detached() -> Variable {
        Variable(value)
    }

    /// Forgets the accumulated gradient.
    public func zeroGradient() {
        node?.gradient = nil
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
        backward(gradient: seed, reportingTo: nil)
    }

    /// ``backward(gradient:)``, telling `buckets`, if given, when each parameter's gradient is
    /// complete and letting their sums progress between operations (a step's last loss part).
    func backward(gradient seed: Tensor?, reportingTo buckets: GradientBuckets?) {
        guard let node else {
            preconditionFailure("backward() on a value that does not depend on any gradient.")
        }
        node.backward(seed: seed ?? Tensor(shape: value.shape, repeating: 1), buckets: buckets)
    }
}

/// A node of the gradient graph: the gradient accumulated so far, the nodes of the inputs,
/// and the closure that passes the gradient on to them.
final class GradientNode {
    /// The shape of the value this node stands for.
    let shape: [Int]
    /// The accumulated gradient.
    var gradient: Tensor?
    /// The nodes of the inputs (empty for leaves and after backward).
    var inputs: [GradientNode]
    /// Adds this node's gradient, given as the argument, into the inputs' gradients.
    var backwardFunction: ((Tensor) -> Void)?
    /// Whether a backward pass already ran through this node and released it.
    private(set) var isReleased = false

    init(shape: [Int], inputs: [GradientNode], backward: ((Tensor) -> Void)?) {
        self.shape = shape
        self.inputs = inputs
        backwardFunction = backward
    }

    /// Adds `contribution` into ``gradient`` (which starts at zero).
    func accumulateGradient(_ contribution: Tensor) {
        precondition(
            contribution.shape == shape,
            "Gradient of shape \(contribution.shape) does not match value of shape \(shape).")
        if gradient == nil {
            gradient = contribution
        } else {
            gradient!.add(contribution)
        }
    }

    /// Runs the backward pass from this node with the given seed gradient.
    ///
    /// With `buckets`, each leaf's gradient is reported complete as soon as the last node that
    /// adds into it has run, and the buckets' reductions are polled after every node.
    func backward(seed: Tensor, buckets: GradientBuckets? = nil) {
        precondition(!isReleased, "backward() on a graph that an earlier backward() released.")
        let order = Array(topologicalOrder().reversed())
        // For each position in `order`, the leaves whose last contribution it makes.
        var completions: [Int: [GradientNode]] = [:]
        if let buckets {
            var lastUse: [ObjectIdentifier: (position: Int, leaf: GradientNode)] = [:]
            for (position, node) in order.enumerated() {
                for input in node.inputs where input.backwardFunction == nil {
                    lastUse[ObjectIdentifier(input)] = (position, input)
                }
            }
            for (position, leaf) in lastUse.values { completions[position, default: []].append(leaf) }
            buckets.beginFinalPass(reaching: Set(lastUse.keys), operationCount: order.count)
        }
        accumulateGradient(seed)
        for (position, node) in order.enumerated() {
            guard let function = node.backwardFunction else { continue }
            if let gradient = node.gradient {
                // A layer's gradient counts as its own phase; the rest as elementwise passes.
                PhaseClock.measure(.elementwise) { function(gradient) }
            }
            node.backwardFunction = nil
            node.inputs = []
            node.gradient = nil
            node.isReleased = true
            if let buckets {
                for leaf in completions[position] ?? [] { buckets.gradientIsComplete(leaf, at: position) }
                buckets.poll()
            }
        }
    }

    /// The nodes reachable from this one, each after its inputs (iterative depth-first
    /// search, so deep networks do not exhaust the stack).
    func topologicalOrder() -> [GradientNode] {
        var order: [GradientNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: GradientNode, expanded: Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}

extension Variable: CustomStringConvertible, CustomDebugStringConvertible {
    /// The value's description: a scalar, such as a loss, prints as its number.
    ///
    /// ```swift
    /// let loss = (w * x).sum()   // w and x of the example of ``Variable``
    /// print(loss)                 // -5.0
    /// ```
    public var description: String { value.description }

    /// The value's debug description, marked when the variable requires a gradient.
    public var debugDescription: String {
        "Variable(\(value.debugDescription)\(requiresGradient ? ", requiresGradient" : ""))"
    }
}
