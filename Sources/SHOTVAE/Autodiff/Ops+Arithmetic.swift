// Elementwise arithmetic with NumPy broadcasting. The gradient of a broadcast operand is
// the output gradient summed back to the operand's shape.

extension Variable {
    /// The elementwise sum, broadcasting over axes where one operand has size 1 (a bias
    /// `[F]` over `[B, F]`, a channel vector `[1, C, 1, 1]` over `[N, C, H, W]`, a scalar).
    public static func + (lhs: Variable, rhs: Variable) -> Variable {
        let (a, b) = (lhs.value, rhs.value)
        return Variable(a.broadcast(b, vector: { $0 + $1 }, scalar: { $0 + $1 }), inputs: [lhs, rhs]) {
            gradient in
            if lhs.requiresGradient { lhs.accumulateGradient(gradient.summed(to: a.shape)) }
            if rhs.requiresGradient { rhs.accumulateGradient(gradient.summed(to: b.shape)) }
        }
    }

    /// The elementwise difference, broadcasting like ``+(_:_:)-(Variable,Variable)``.
    public static func - (lhs: Variable, rhs: Variable) -> Variable {
        let (a, b) = (lhs.value, rhs.value)
        return Variable(a.broadcast(b, vector: { $0 - $1 }, scalar: { $0 - $1 }), inputs: [lhs, rhs]) {
            gradient in
            if lhs.requiresGradient { lhs.accumulateGradient(gradient.summed(to: a.shape)) }
            if rhs.requiresGradient {
                rhs.accumulateGradient(gradient.summed(to: b.shape).scaled(by: -1))
            }
        }
    }

    /// The elementwise product, broadcasting like ``+(_:_:)-(Variable,Variable)``.
    public static func * (lhs: Variable, rhs: Variable) -> Variable {
        let (a, b) = (lhs.value, rhs.value)
        return Variable(a.broadcast(b, vector: { $0 * $1 }, scalar: { $0 * $1 }), inputs: [lhs, rhs]) {
            gradient in
            if lhs.requiresGradient {
                let full = gradient.broadcast(b, vector: { $0 * $1 }, scalar: { $0 * $1 })
                lhs.accumulateGradient(full.summed(to: a.shape))
            }
            if rhs.requiresGradient {
                let full = gradient.broadcast(a, vector: { $0 * $1 }, scalar: { $0 * $1 })
                rhs.accumulateGradient(full.summed(to: b.shape))
            }
        }
    }

    /// The elementwise quotient, broadcasting like ``+(_:_:)-(Variable,Variable)``.
    public static func / (lhs: Variable, rhs: Variable) -> Variable {
        let (a, b) = (lhs.value, rhs.value)
        let quotient = a.broadcast(b, vector: { $0 / $1 }, scalar: { $0 / $1 })
        return Variable(quotient, inputs: [lhs, rhs]) { gradient in
            if lhs.requiresGradient {
                let full = gradient.broadcast(b, vector: { $0 / $1 }, scalar: { $0 / $1 })
                lhs.accumulateGradient(full.summed(to: a.shape))
            }
            if rhs.requiresGradient {
                // d(a / b)/db = -(a / b) / b
                let ratio = gradient.zip(quotient, vector: { -$0 * $1 }, scalar: { -$0 * $1 })
                let full = ratio.broadcast(b, vector: { $0 / $1 }, scalar: { $0 / $1 })
                rhs.accumulateGradient(full.summed(to: b.shape))
            }
        }
    }

    /// Negation.
    public static prefix func - (operand: Variable) -> Variable {
        operand * -1
    }

    /// Adds a constant to every element.
    public static func + (lhs: Variable, rhs: Float) -> Variable {
        let v = Vector(repeating: rhs)
        return Variable(lhs.value.map(vector: { $0 + v }, scalar: { $0 + rhs }), inputs: [lhs]) {
            gradient in lhs.accumulateGradient(gradient)
        }
    }

    /// Adds a constant to every element.
    public static func + (lhs: Float, rhs: Variable) -> Variable { rhs + lhs }

    /// Subtracts a constant from every element.
    public static func - (lhs: Variable, rhs: Float) -> Variable { lhs + -rhs }

    /// Subtracts every element from a constant.
    public static func - (lhs: Float, rhs: Variable) -> Variable { -rhs + lhs }

    /// Multiplies every element by a constant.
    public static func * (lhs: Variable, rhs: Float) -> Variable {
        Variable(lhs.value.scaled(by: rhs), inputs: [lhs]) { gradient in
            lhs.accumulateGradient(gradient.scaled(by: rhs))
        }
    }

    /// Multiplies every element by a constant.
    public static func * (lhs: Float, rhs: Variable) -> Variable { rhs * lhs }

    /// Divides every element by a constant.
    public static func / (lhs: Variable, rhs: Float) -> Variable { lhs * (1 / rhs) }
}
