/// A building block of a model: a function of a ``Variable`` with its own parameters.
///
/// Layers are reference types. A layer lists its own parameters and buffers and its child
/// layers, each with a local name; the protocol's extension walks that tree to give every
/// parameter its dotted name (`encoder.1.weight`), which is also its checkpoint key. There
/// is no reflection: what a layer does not list, optimizers and checkpoints do not see.
///
/// A custom layer implements ``callAsFunction(_:context:)`` and lists what it owns:
///
/// ```swift
/// final class Scale: Layer {
///     let factor = Parameter(Tensor(shape: [1], repeating: 1))
///     var localParameters: [(name: String, parameter: Parameter)] { [("factor", factor)] }
///     func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
///         input * context.variable(factor)
///     }
/// }
/// ```
public protocol Layer: AnyObject {
    /// Runs the layer on `input`.
    ///
    /// - Parameters:
    ///   - input: The input batch.
    ///   - context: Training or inference, whether to record gradients, and the random
    ///     generator for any random draw.
    func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable

    /// The layer's own trainable parameters with their local names, in a fixed order.
    var localParameters: [(name: String, parameter: Parameter)] { get }

    /// The layer's own non-trainable state with local names (batch-norm statistics).
    var localBuffers: [(name: String, buffer: Buffer)] { get }

    /// The layers this one is made of, with their local names, in a fixed order.
    var children: [(name: String, layer: any Layer)] { get }

    /// Whether each example's output depends on that example alone, in training as in
    /// inference, so that two batches run as one give each batch the output it gets alone.
    /// Objectives then run several batches of a step as one, in fewer and larger products (see
    /// ``SemiSupervisedVAE/reconstruct(_:context:)``).
    ///
    /// The default is `true` for a layer made of children that all are, and `false` for a
    /// layer without children: a custom layer whose outputs do not mix examples (as batch
    /// normalization does with its batch statistics) returns `true` to take part.
    var treatsExamplesIndependently: Bool { get }

    /// Whether a training pass over a batch divided among processes (each computing its own
    /// rows, ``ForwardContext/batchProcesses``) gives each process the rows of the pass over the
    /// whole batch in one process: true of a layer that treats examples independently, and of
    /// one that combines its statistics across the processes, as ``BatchNorm`` does. A
    /// ``Trainer`` refuses to divide a step among processes for a model with a layer that says
    /// `false`.
    ///
    /// The default is ``treatsExamplesIndependently`` for a layer without children, and for a
    /// layer with children whether every child supports divided batches: a layer that mixes
    /// examples in its own computation returns `false`.
    var supportsDividedBatches: Bool { get }
}

extension Layer {
    /// No parameters of its own.
    public var localParameters: [(name: String, parameter: Parameter)] { [] }
    /// No buffers of its own.
    public var localBuffers: [(name: String, buffer: Buffer)] { [] }
    /// No children.
    public var children: [(name: String, layer: any Layer)] { [] }
    /// `true` when the layer has children and every one of them treats examples independently.
    public var treatsExamplesIndependently: Bool {
        !children.isEmpty && children.allSatisfy { $0.layer.treatsExamplesIndependently }
    }

    /// For a layer without children, ``treatsExamplesIndependently``; otherwise whether every
    /// child supports divided batches.
    public var supportsDividedBatches: Bool {
        children.isEmpty ? treatsExamplesIndependently : children.allSatisfy { $0.layer.supportsDividedBatches }
    }

    /// Runs the layer on a batch given as a tensor.
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Variable {
        self(Variable(input), context: context)
    }

    /// Every trainable parameter of this layer and its descendants with its dotted name:
    /// own parameters first, then each child's in order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var result: [(name: String, parameter: Parameter)] = []
        var seen = Set<ObjectIdentifier>()
        collectParameters(prefix: "", into: &result, seen: &seen)
        return result
    }

    /// Every trainable parameter, in the order of ``namedParameters``; a parameter shared by
    /// two layers appears once.
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// Every buffer of this layer and its descendants with its dotted name.
    public var namedBuffers: [(name: String, buffer: Buffer)] {
        var result: [(name: String, buffer: Buffer)] = []
        collectBuffers(prefix: "", into: &result)
        return result
    }

    /// The number of trainable values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Forgets the gradients of every parameter.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    fileprivate func collectParameters(
        prefix: String, into result: inout [(name: String, parameter: Parameter)],
        seen: inout Set<ObjectIdentifier>
    ) {
        for (name, parameter) in localParameters where seen.insert(ObjectIdentifier(parameter)).inserted {
            result.append((prefix + name, parameter))
        }
        for (name, child) in children {
            child.collectParameters(prefix: prefix + name + ".", into: &result, seen: &seen)
        }
    }

    fileprivate func collectBuffers(prefix: String, into result: inout [(name: String, buffer: Buffer)]) {
        for (name, buffer) in localBuffers { result.append((prefix + name, buffer)) }
        for (name, child) in children { child.collectBuffers(prefix: prefix + name + ".", into: &result) }
    }
}
