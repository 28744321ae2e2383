#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise nonlinearities. Each backward sits next to its forward and uses whichever of
// the input `x` or the output `y` gives the cheaper derivative.

extension Variable {
    /// `max(x, 0)`.
    public func relu() -> Variable {
        let x = value
        let zero = Vector.zero
        return Variable(x.map(vector: { $0.replacing(with: zero, where: $0 .< zero) }, scalar: { max($0, 0) }),
                        inputs: [self]) { [node] gradient in
            node?.accumulateGradient(rectifierGradient(gradient, where: x))
        }
    }

    /// `x` for positive `x`, `negativeSlope * x` otherwise.
    ///
    /// - Parameter negativeSlope: The slope for negative inputs (the paper's WideResNet uses 0.1).
    public func leakyReLU(negativeSlope: Float = 0.01) -> Variable {
        let x = value
        let zero = Vector.zero
        let slope = negativeSlope
        return Variable(
            x.map(vector: { $0.replacing(with: $0 * slope, where: $0 .< zero) },
                  scalar: { $0 > 0 ? $0 : $0 * slope }),
            inputs: [self]
        ) { [node] gradient in
            node?.accumulateGradient(gradient.zip(
                x, vector: { g, x in g.replacing(with: g * slope, where: x .<= zero) },
                scalar: { g, x in x > 0 ? g : g * slope }))
        }
    }

    /// The hyperbolic tangent.
    ///
    /// The derivative is `sech²(x)`, computed from `x` rather than as `1 - y²`: in single
    /// precision `tanh` rounds to exactly ±1 beyond |x| ≈ 9, where `1 - y²` is 0 and a saturated
    /// unit (a tanh decoder output pushed far negative by the background pixels) would never
    /// receive a gradient again; `sech²(x)` stays positive up to |x| ≈ 50.
    public func tanh() -> Variable {
        let x = value
        let y = x.elementwise(grain: Tensor.transcendentalGrain) { first, count, destination in
            Kernels.hyperbolicTangent(x.pointer + first, destination, count: count)
        }
        return Variable(y, inputs: [self]) { [node] gradient in
            precondition(gradient.shape == x.shape, "Gradient \(gradient.shape) for a value of shape \(x.shape).")
            node?.accumulateGradient(gradient.elementwise(grain: Tensor.transcendentalGrain) { first, count, destination in
                Kernels.hyperbolicTangentGradient(gradient.pointer + first, x.pointer + first, destination, count: count)
            })
        }
    }

    /// The logistic sigmoid, `1 / (1 + exp(-x))`.
    public func sigmoid() -> Variable {
        let y = value.map(vector: { Kernels.lanes($0, Kernels.sigmoid) }, scalar: Kernels.sigmoid,
                          grain: Tensor.transcendentalGrain)
        return Variable(y, inputs: [self]) { [node] gradient in
            node?.accumulateGradient(gradient.zip(
                y, vector: { g, y in g * y * (1 - y) }, scalar: { g, y in g * y * (1 - y) }))
        }
    }

    /// `log(1 + exp(x))`, computed without overflow.
    public func softplus() -> Variable {
        let x = value
        return Variable(x.map(vector: { Kernels.lanes($0, Kernels.softplus) }, scalar: Kernels.softplus,
                              grain: Tensor.transcendentalGrain),
                        inputs: [self]) { [node] gradient in
            node?.accumulateGradient(gradient.zip(
                x, vector: { g, x in g * Kernels.lanes(x, Kernels.sigmoid) },
                scalar: { g, x in g * Kernels.sigmoid(x) }, grain: Tensor.transcendentalGrain))
        }
    }

    /// The natural exponential.
    public func exp() -> Variable {
        let y = value.map(vector: { Kernels.lanes($0, expf) }, scalar: expf, grain: Tensor.transcendentalGrain)
        return Variable(y, inputs: [self]) { [node] gradient in
            node?.accumulateGradient(gradient.zip(y, vector: { $0 * $1 }, scalar: { $0 * $1 }))
        }
    }

    /// The natural logarithm.
    public func log() -> Variable {
        let x = value
        return Variable(x.map(vector: { Kernels.lanes($0, logf) }, scalar: logf, grain: Tensor.transcendentalGrain),
                        inputs: [self]) {
            [node] gradient in
            node?.accumulateGradient(gradient.zip(x, vector: { $0 / $1 }, scalar: { $0 / $1 }))
        }
    }

    /// The absolute value; its derivative at 0 is taken as 0.
    public func abs() -> Variable {
        let x = value
        let zero = Vector.zero
        return Variable(x.map(vector: { $0.replacing(with: -$0, where: $0 .< zero) }, scalar: { Swift.abs($0) }),
                        inputs: [self]) { [node] gradient in
            node?.accumulateGradient(gradient.zip(
                x,
                vector: { g, x in
                    g.replacing(with: -g, where: x .< zero).replacing(with: zero, where: x .== zero)
                },
                scalar: { g, x in x > 0 ? g : (x < 0 ? -g : 0) }))
        }
    }

    /// The elementwise square, `x²`.
    public func squared() -> Variable {
        let x = value
        return Variable(x.map(vector: { $0 * $0 }, scalar: { $0 * $0 }), inputs: [self]) { [node] gradient in
            node?.accumulateGradient(gradient.zip(x, vector: { 2 * $0 * $1 }, scalar: { 2 * $0 * $1 }))
        }
    }

    /// The elementwise square root.
    public func squareRoot() -> Variable {
        let y = value.map(vector: { $0.squareRoot() }, scalar: { $0.squareRoot() })
        return Variable(y, inputs: [self]) { [node] gradient in
            node?.accumulateGradient(gradient.zip(y, vector: { $0 / (2 * $1) }, scalar: { $0 / (2 * $1) }))
        }
    }
}

/// The gradient of the rectifier, `dy` where `reference > 0`, zero elsewhere. The reference is the
/// rectifier's input or its output, which are positive at the same places (``Variable/relu()``
/// and the convolutions fused with it read whichever they keep).
func rectifierGradient(_ gradient: Tensor, where reference: Tensor) -> Tensor {
    precondition(gradient.shape == reference.shape, "Shapes \(gradient.shape) and \(reference.shape) differ.")
    return gradient.elementwise { first, count, destination in
        Kernels.rectifierGradient(gradient.pointer + first, reference.pointer + first, destination, count: count)
    }
}
