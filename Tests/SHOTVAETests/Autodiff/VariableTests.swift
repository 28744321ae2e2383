import Testing

@testable import SHOTVAE

@Suite struct VariableTests {
    @Test func gradientsOfASimpleGraph() {
        let w = Variable(Tensor(shape: [2], scalars: [1, -2]), requiresGradient: true)
        let x = Variable(Tensor(shape: [2], scalars: [3, 4]))
        let loss = (w * x).sum()
        loss.backward()
        #expect(w.gradient?.scalars == [3, 4])
        #expect(x.gradient == nil)
    }

    @Test func operationsOnConstantsRecordNothing() {
        let a = Variable(Tensor(shape: [3], repeating: 2))
        let b = (a * a + 1).exp().sum()
        #expect(!b.requiresGradient)
        #expect(b.node == nil)
    }

    @Test func detachedVariablesStopGradients() {
        let w = Variable(Tensor(shape: [2], scalars: [1, 2]), requiresGradient: true)
        let target = (w * 3).detached()
        let loss = (w * target).sum()
        loss.backward()
        // d/dw Σ w · stop(3w) = 3w
        #expect(w.gradient?.scalars == [3, 6])
    }

    @Test func leafGradientsAccumulateUntilZeroed() {
        let w = Variable(Tensor(shape: [1], scalars: [2]), requiresGradient: true)
        (w * 5).sum().backward()
        (w * w).sum().backward()
        #expect(w.gradient?.scalars == [9])
        w.zeroGradient()
        #expect(w.gradient == nil)
    }

    /// A diamond: `x` feeds two branches that meet again; each path's gradient counts once.
    @Test func diamondGraphVisitsEachNodeOnce() {
        let x = Variable(Tensor(shape: [1], scalars: [3]), requiresGradient: true)
        let a = x * 2
        let b = x * x
        let c = a * b + a
        c.sum().backward()
        // c = 2x · x² + 2x = 2x³ + 2x, dc/dx = 6x² + 2 = 56
        #expect(x.gradient?.scalars == [56])
    }

    @Test func deepChainsDoNotExhaustTheStack() {
        let x = Variable(Tensor(shape: [1], scalars: [1]), requiresGradient: true)
        var y = x
        for _ in 0..<20_000 { y = y + 0 }
        y.sum().backward()
        #expect(x.gradient?.scalars == [1])
    }

    @Test func backwardReleasesTheGraph() {
        let w = Variable(Tensor(shape: [2], scalars: [1, 2]), requiresGradient: true)
        let h = w * w
        let loss = h.sum()
        loss.backward()
        #expect(h.node!.inputs.isEmpty)
        #expect(h.node!.backwardFunction == nil)
        #expect(h.gradient == nil)
        #expect(w.gradient != nil)
    }

    /// The graph keeps only what derivatives need: an intermediate value nobody refers to is
    /// freed before the backward pass, and the gradients are still right.
    @Test func intermediateValuesAreFreedBeforeBackward() {
        let w = Variable(Tensor(shape: [3], scalars: [1, 2, 3]), requiresGradient: true)
        weak var intermediate: Variable?
        let loss: Variable = {
            let h = w + 1          // its value is not needed by any derivative
            intermediate = h
            return (h * 2).sum()
        }()
        #expect(intermediate == nil)
        loss.backward()
        #expect(w.gradient?.scalars == [2, 2, 2])
    }

    /// The checker itself must fail on a wrong gradient, or the gradient tests prove nothing.
    @Test func gradientCheckDetectsAWrongGradient() {
        withKnownIssue {
            checkGradients([randomTensor([3], seed: 1)]) { v in
                let x = v[0]
                let (node, value) = (x.node, x.value)
                // Forward x², but a backward that claims the derivative is x.
                return Variable(value.zip(value, vector: { $0 * $1 }, scalar: { $0 * $1 }), inputs: [x]) {
                    gradient in node?.accumulateGradient(gradient.zip(value, vector: { $0 * $1 }, scalar: { $0 * $1 }))
                }
            }
        }
    }

    /// A loss prints as its number; the debug description keeps the details.
    @Test func scalarVariablesReadAsNumbers() {
        let w = Variable(Tensor(shape: [2], scalars: [1, -2]), requiresGradient: true)
        let x = Variable(Tensor(shape: [2], scalars: [3, 4]))
        let loss = (w * x).sum()
        #expect(loss.scalar == -5)
        #expect("\(loss)" == "-5.0")
        #expect(loss.debugDescription == "Variable(Tensor(shape: [], scalars: [-5.0]), requiresGradient)")
        #expect(x.description == "[3.0, 4.0] (shape [2])")
        #expect(x.debugDescription == "Variable(Tensor(shape: [2], scalars: [3.0, 4.0]))")
        #expect(Variable(Tensor(shape: [1, 1], scalars: [7])).scalar == 7)
    }
}
