// Elementwise arithmetic with NumPy broadcasting. The gradient of a broadcast operand is
// the output gradient summed back to the operand's shape.

extension Variable {
    /// The elementwise sum, broadcasting over axes where one operand has size 1 (a bias
    /// `[F]` over `[B, F]`, a channel vector `[1, C, 1, 1]` over `[N, C, H, W]`, a scalar).
    public static func + (lhs: Variable, rhs: Variable) -> Variable {
        let (lhsNode, rhsNode, lhsShape, rhsShape) = (lhs.node, rhs.node, lhs.shape, rhs.shape)
        let sum = lhs.value.broadcast(rhs.value, vector: { $0 + $1 }, scalar: { $0 + $1 })
        return Variable(sum, inputs: [lhs, rhs]) { gradient in
            lhsNode?.accumulateGradient(gradient.summed(to: lhsShape))
            rhsNode?.accumulateGradient(gradient.summed(to: rhsShape))
        }
    }

    /// The elementwise difference, broadcasting like ``+(_:_:)-(Variable,Variable)``.
    public static func - (lhs: Variable, rhs: Variable) -> Variable {
        let (lhsNode, rhsNode, lhsShape, rhsShape) = (lhs.node, rhs.node, lhs.shape, rhs.shape)
        let difference = lhs.value.broadcast(rhs.value, vector: { $0 - $1 }, scalar: { $0 - $1 })
        return Variable(difference, inputs: [lhs, rhs]) { gradient in
            lhsNode?.accumulateGradient(gradient.summed(to: lhsShape))
            rhsNode?.accumulateGradient(gradient.summed(to: rhsShape).scaled(by: -1))
        }
    }

    /// The elementwise product, broadcasting like ``+(_:_:)-(Variable,Variable)``.
    public static func * (lhs: Variable, rhs: Variable) -> Variable {
        let (lhsNode, rhsNode) = (lhs.node, rhs.node)
        // Each operand is kept only if the other one's gradient needs it.
        let a = rhsNode == nil ? nil : lhs.value
        let b = lhsNode == nil ? nil : rhs.value
        let (lhsShape, rhsShape) = (lhs.shape, rhs.shape)
        let product = lhs.value.broadcast(rhs.value, vector: { $0 * $1 }, scalar: { $0 * $1 })
        return Variable(product, inputs: [lhs, rhs]) { gradient in
            if let lhsNode, let b {
                let full = gradient.broadcast(b, vector: { $0 * $1 }, scalar: { $0 * $1 })
                lhsNode.accumulateGradient(full.summed(to: lhsShape))
            }
            if let rhsNode, let a {
                let full = gradient.broadcast(a, vector: { $0 * $1 }, scalar: { $0 * $1 })
                rhsNode.accumulateGradient(full.summed(to: rhsShape))
            }
        }
    }

    /// The elementwise quotient, broadcasting like ``+(_:_:)-(Variable,Variable)``.
    public static func / (lhs: Variable, rhs: Variable) -> Variable {
        let (lhsNode, rhsNode, lhsShape, rhsShape) = (lhs.node, rhs.node, lhs.shape, rhs.shape)
        let b = rhs.value
        let quotient = lhs.value.broadcast(b, vector: { $0 / $1 }, scalar: { $0 / $1 })
        return Variable(quotient, inputs: [lhs, rhs]) { gradient in
            if let lhsNode {
                let full = gradient.broadcast(b, vector: { $0 / $1 }, scalar: { $0 / $1 })
                lhsNode.accumulateGradient(full.summed(to: lhsShape))
            }
            if let rhsNode {
                // d(a / b)/db = -(a / b) / b
                let ratio = gradient.zip(quotient, vector: { -$0 * $1 }, scalar: { -$0 * $1 })
                let full = ratio.broadcast(b, vector: { $0 / $1 }, scalar: { $0 / $1 })
                rhsNode.accumulateGradient(full.summed(to: rhsShape))
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
        let node = lhs.node
        return Variable(lhs.value.map(vector: { $0 + v }, scalar: { $0 + rhs }), inputs: [lhs]) { gradient in
            node?.accumulateGradient(gradient)
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
        let node = lhs.node
        return Variable(lhs.value.scaled(by: rhs), inputs: [lhs]) { gradient in
            node?.accumulateGradient(gradient.scaled(by: rhs))
        }
    }

    /// Multiplies every element by a constant.
    public static func * (lhs: Float, rhs: Variable) -> Variable { rhs * lhs }

    /// Divides every element by a constant.
    public static func / (lhs: Variable, rhs: Float) -> Variable { lhs * (1 / rhs) }
}
