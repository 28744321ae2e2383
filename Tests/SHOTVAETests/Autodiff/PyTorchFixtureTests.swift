import Foundation
import Testing

@testable import SHOTVAE

/// Outputs and gradients compared with PyTorch 1.13 on fixed inputs (fixtures written by
/// `Tests/SHOTVAETests/Fixtures/make_fixtures.py`).
///
/// Tolerance: `|ours - torch| <= 1e-4 + 1e-4 · |torch|` for every element. Both sides compute
/// in single precision but sum in different orders (BLAS blocking, SIMD lanes), which moves
/// the last few bits; anything beyond that is a real difference.
@Suite struct PyTorchFixtureTests {
    static let relative: Float = 1e-4
    static let absolute: Float = 1e-4

    struct Fixture {
        let file: SafeTensors
        init(_ name: String) throws {
            file = try SafeTensors(contentsOf: fixtureURL(name + ".safetensors"))
        }
        func callAsFunction(_ key: String) throws -> Tensor { try file.tensor(named: key) }
        func setting(_ key: String) -> Int { Int(file.metadata[key]!)! }
    }

    func expectMatches(_ actual: Tensor?, _ expected: Tensor, _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else {
            Issue.record("\(what) missing", sourceLocation: sourceLocation)
            return
        }
        expectClose(actual, expected, relative: Self.relative, absolute: Self.absolute, what,
                    sourceLocation: sourceLocation)
    }

    @Test(arguments: ["conv2d_s2_p1", "conv2d_s1_p1_large", "conv2d_1x1", "conv2d_1x1_s2", "conv2d_k4_s2_p1_large", "conv2d_winograd",
                            "conv2d_polyphase"])
    func conv2d(name: String) throws {
        let f = try Fixture(name)
        let x = Variable(try f("input"), requiresGradient: true)
        let w = Variable(try f("weight"), requiresGradient: true)
        let b = Variable(try f("bias"), requiresGradient: true)
        let y = SHOTVAE.conv2d(x, weight: w, bias: b, stride: f.setting("stride"), padding: f.setting("padding"))
        expectMatches(y.value, try f("output"), "\(name) output")
        y.backward(gradient: try f("grad_output"))
        expectMatches(x.gradient, try f("grad_input"), "\(name) input gradient")
        expectMatches(w.gradient, try f("grad_weight"), "\(name) weight gradient")
        expectMatches(b.gradient, try f("grad_bias"), "\(name) bias gradient")
    }

    @Test(arguments: ["conv_transpose2d_s2_p1", "conv_transpose2d_s2_p1_large", "conv_transpose2d_s2_p1_op1", "conv_transpose2d_1x1",
                            "conv_transpose2d_polyphase"])
    func convTranspose2d(name: String) throws {
        let f = try Fixture(name)
        let x = Variable(try f("input"), requiresGradient: true)
        let w = Variable(try f("weight"), requiresGradient: true)
        let b = Variable(try f("bias"), requiresGradient: true)
        let y = SHOTVAE.convTranspose2d(
            x, weight: w, bias: b, stride: f.setting("stride"), padding: f.setting("padding"),
            outputPadding: f.setting("output_padding"))
        expectMatches(y.value, try f("output"), "\(name) output")
        y.backward(gradient: try f("grad_output"))
        expectMatches(x.gradient, try f("grad_input"), "\(name) input gradient")
        expectMatches(w.gradient, try f("grad_weight"), "\(name) weight gradient")
        expectMatches(b.gradient, try f("grad_bias"), "\(name) bias gradient")
    }

    @Test(arguments: ["batch_norm_train_4d", "batch_norm_eval_4d", "batch_norm_train_2d", "batch_norm_eval_2d"])
    func batchNorm(name: String) throws {
        let f = try Fixture(name)
        let x = Variable(try f("input"), requiresGradient: true)
        let w = Variable(try f("weight"), requiresGradient: true)
        let b = Variable(try f("bias"), requiresGradient: true)
        var runningMean = try f("running_mean_before")
        var runningVariance = try f("running_var_before")
        let y = SHOTVAE.batchNorm(
            x, weight: w, bias: b, runningMean: &runningMean, runningVariance: &runningVariance,
            isTraining: f.setting("training") == 1, momentum: 0.1, epsilon: 1e-5)
        expectMatches(y.value, try f("output"), "\(name) output")
        expectMatches(runningMean, try f("running_mean_after"), "\(name) running mean")
        expectMatches(runningVariance, try f("running_var_after"), "\(name) running variance")
        y.backward(gradient: try f("grad_output"))
        expectMatches(x.gradient, try f("grad_input"), "\(name) input gradient")
        expectMatches(w.gradient, try f("grad_weight"), "\(name) weight gradient")
        expectMatches(b.gradient, try f("grad_bias"), "\(name) bias gradient")
    }

    @Test func logSoftmax() throws {
        let f = try Fixture("log_softmax")
        let x = Variable(try f("input"), requiresGradient: true)
        let y = x.logSoftmax()
        expectMatches(y.value, try f("output"), "output")
        y.backward(gradient: try f("grad_output"))
        expectMatches(x.gradient, try f("grad_input"), "input gradient")
    }

    /// Runs a scalar loss and compares its value and the gradient of its first input.
    func checkLoss(_ name: String, _ loss: (Variable, Fixture) throws -> Variable) throws {
        let f = try Fixture(name)
        let x = Variable(try f("input"), requiresGradient: true)
        let value = try loss(x, f)
        expectMatches(value.value.reshaped(to: []), try f("output"), "\(name) value")
        value.backward()
        expectMatches(x.gradient, try f("grad_input"), "\(name) gradient")
    }

    @Test func binaryCrossEntropyWithLogits() throws {
        try checkLoss("loss_bce_with_logits_sum") { x, f in
            SHOTVAE.binaryCrossEntropyWithLogits(logits: x, targets: try f("target"), reduction: .sum)
        }
    }

    @Test func meanSquaredError() throws {
        try checkLoss("loss_mse_sum") { x, f in
            SHOTVAE.meanSquaredError(prediction: x, targets: try f("target"), reduction: .sum)
        }
    }

    @Test func crossEntropyAgainstSoftTargets() throws {
        try checkLoss("loss_cross_entropy_soft") { x, f in
            SHOTVAE.crossEntropy(logProbabilities: x.logSoftmax(), targets: try f("target"))
        }
    }

    @Test func categoricalKLDivergenceToUniform() throws {
        try checkLoss("loss_categorical_kl_uniform") { x, _ in
            SHOTVAE.categoricalKLDivergenceToUniform(logProbabilities: x.logSoftmax())
        }
    }

    @Test func gaussianKLDivergence() throws {
        let f = try Fixture("loss_gaussian_kl")
        let mu = Variable(try f("mean"), requiresGradient: true)
        let logSigma = Variable(try f("log_sigma"), requiresGradient: true)
        let loss = SHOTVAE.gaussianKLDivergence(mean: mu, logSigma: logSigma)
        expectMatches(loss.value, try f("output"), "value")
        loss.backward()
        expectMatches(mu.gradient, try f("grad_mean"), "mean gradient")
        expectMatches(logSigma.gradient, try f("grad_log_sigma"), "log sigma gradient")
    }
}
