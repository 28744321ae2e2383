/// A trainable tensor of a layer: its value and the gradient that backward passes leave in it.
///
/// Parameters are reference types so that a layer, an optimizer and a checkpoint all see
/// the same values. Each is a leaf ``Variable`` that requires a gradient; a layer obtains it
/// through ``ForwardContext/variable(_:)``. Its dotted name (`encoder.block1.conv2.weight`)
/// comes from where it sits in the model (see ``Layer/namedParameters``) and is also its
/// checkpoint key.
public final class Parameter {
    /// The leaf variable that carries the value and the accumulated gradient.
    public let variable: Variable

    /// Creates a parameter with an initial value.
    public init(_ value: Tensor) {
        variable = Variable(value, requiresGradient: true)
    }

    /// The current value; optimizers update it in place.
    public var value: Tensor {
        get { variable.value }
        set {
            precondition(
                newValue.shape == variable.value.shape,
                "A parameter of shape \(variable.value.shape) cannot take a value of shape \(newValue.shape).")
            variable.value = newValue
        }
    }

    /// The gradient accumulated by backward passes since the last ``zeroGradient()``, or
    /// `nil` when no backward pass reached this parameter.
    public var gradient: Tensor? {
        get { variable.gradient }
        set {
            if let newValue {
                precondition(
                    newValue.shape == variable.value.shape,
                    "A parameter of shape \(variable.value.shape) cannot take a gradient of shape \(newValue.shape).")
            }
            variable.gradient = newValue
        }
    }

    /// The shape of the value.
    public var shape: [Int] { variable.value.shape }

    /// Forgets the accumulated gradient.
    public func zeroGradient() {
        variable.gradient = nil
    }
}

/// Non-trainable state that a checkpoint must keep, such as batch-norm running statistics.
///
/// Buffers are never seen by optimizers; layers update them during training.
public final class Buffer {
    /// The current value.
    public var value: Tensor

    /// Creates a buffer with an initial value.
    public init(_ value: Tensor) {
        self.value = value
    }
}
