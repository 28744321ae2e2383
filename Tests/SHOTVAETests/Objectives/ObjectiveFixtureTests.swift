import Foundation
import Testing

@testable import SHOTVAE

/// Every objective against a PyTorch implementation of Method.md sections 2-4 (fixtures from
/// `make_fixtures.py`), on a small MLP VAE with the same weights and the same random draws:
/// ε, the Gumbel noise, λ and the permutations are injected. Each named term, the total and
/// every parameter's gradient must match within `1e-4 + 1e-4 · |torch|`.
@Suite struct ObjectiveFixtureTests {
    /// A model whose noise comes from a fixed queue instead of the generator.
    final class InjectedVAE: SemiSupervisedVAE {
        var noises: [Tensor] = []
        override func continuousNoise(shape: [Int], context: ForwardContext) -> Tensor { take(shape) }
        override func gumbelNoise(shape: [Int], context: ForwardContext) -> Tensor { take(shape) }
        func take(_ shape: [Int]) -> Tensor {
            let noise = noises.removeFirst()
            precondition(noise.shape == shape, "injected noise \(noise.shape) where \(shape) was drawn")
            return noise
        }
    }

    /// The random draws of the fixture.
    struct Draws {
        var labeledLambda: Float
        var unlabeledLambda: Float
        var labeledPartners: [Int]
        var unlabeledPartners: [Int]
    }

    final class InjectedSmoothELBO: SmoothELBOObjective {
        var draws: Draws!
        override func labeledMixingCoefficient(generator: inout RandomGenerator) -> Float { draws.labeledLambda }
        override func labeledPartners(count: Int, generator: inout RandomGenerator) -> [Int] { draws.labeledPartners }
    }

    final class InjectedSHOT: SHOTObjective {
        var draws: Draws!
        override func labeledMixingCoefficient(generator: inout RandomGenerator) -> Float { draws.labeledLambda }
        override func labeledPartners(count: Int, generator: inout RandomGenerator) -> [Int] { draws.labeledPartners }
        override func unlabeledMixingCoefficient(generator: inout RandomGenerator) -> Float { draws.unlabeledLambda }
        override func unlabeledPartners(posterior: SemiSupervisedVAE.Posterior, generator: inout RandomGenerator) -> [Int] {
            configuration.partnerChoice == .optimalMatch
                ? super.unlabeledPartners(posterior: posterior, generator: &generator) : draws.unlabeledPartners
        }
    }

    func check(_ name: String) throws {
        let file = try SafeTensors(contentsOf: fixtureURL(name + ".safetensors"))
        let meta = file.metadata
        func number(_ key: String) -> Float { Float(meta[key]!)! }
        func integers(_ key: String) -> [Int] { meta[key]!.split(separator: ",").map { Int($0)! } }
        let gaussian = meta["gaussian"] == "1"

        var rng = RandomGenerator(seed: 0)
        let base = SemiSupervisedVAE.multilayerPerceptron(
            imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4,
            outputActivation: gaussian ? Tanh() : nil, generator: &rng)
        let model = InjectedVAE(
            encoder: base.encoder, featureCount: 8, latentCount: 3, classCount: 4, decoder: base.decoder, generator: &rng)
        for (key, parameter) in model.namedParameters {
            parameter.value = try file.tensor(named: "param/" + key)
        }
        model.noises = [try file.tensor(named: "eps_l"), try file.tensor(named: "eps_u"), try file.tensor(named: "gumbel")]

        let configuration = ObjectiveConfiguration(
            reconstruction: gaussian ? .gaussian(scale: 1) : .bernoulli,
            elboWeight: .constant(number("ew")), continuousKLWeight: .constant(number("bc")),
            discreteKLWeight: .constant(number("bd")), continuousCapacity: .constant(number("cc")),
            discreteCapacity: .constant(number("cd")), posteriorMatchingWeight: .constant(number("pw")),
            labeledClassificationWeight: .constant(number("a")),
            unlabeledClassificationWeight: .constant(number("ucw")),
            labeledClassificationLoss: meta["classification"] == "bce" ? .binaryCrossEntropy : .crossEntropy,
            partnerChoice: meta["partners"] == "optimal" ? .optimalMatch : .randomPermutation)
        let draws = Draws(
            labeledLambda: number("lam_l"), unlabeledLambda: number("lam_u"),
            labeledPartners: integers("perm_l"), unlabeledPartners: integers("perm_u"))
        let objective: any VariationalObjective
        switch meta["kind"]! {
        case "elbo": objective = ELBOObjective(configuration: configuration)
        case "m2": objective = M2Objective(configuration: configuration)
        case "supervised": objective = SupervisedObjective(configuration: configuration)
        case "smooth":
            let smooth = InjectedSmoothELBO(configuration: configuration)
            smooth.draws = draws
            objective = smooth
        default:
            let shot = InjectedSHOT(configuration: configuration)
            shot.draws = draws
            objective = shot
        }

        let labeled = LabeledBatch(images: try file.tensor(named: "xl"), labels: integers("labels"))
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 1))
        let value = objective.loss(
            model: model, labeled: labeled, unlabeled: try file.tensor(named: "xu"),
            progress: TrainingProgress(epoch: 0, step: 0, totalEpochs: 1), context: context)
        let (r, a) = (PyTorchFixtureTests.relative, PyTorchFixtureTests.absolute)
        let expectedTerms = file.names.filter { $0.hasPrefix("term/") && $0 != "term/partners" }.map { String($0.dropFirst(5)) }
        #expect(Set(value.terms.named.map(\.name)) == Set(expectedTerms), "\(name): term names")
        for term in expectedTerms {
            guard let ours = value.terms[term] else { continue }
            expectClose(ours, try file.tensor(named: "term/" + term).scalar, relative: r, absolute: a, "\(name) \(term)")
        }
        if meta["partners"] == "optimal" {
            let expected = try file.tensor(named: "term/partners").scalars.map { Int($0) }
            let mean = model.encode(Variable(try file.tensor(named: "xu")), context: .inference())
            #expect(Interpolation.optimalMatch(mean: mean.mean.value, logSigma: mean.logSigma.value) == expected)
        }
        value.total.backward()
        for (key, parameter) in model.namedParameters {
            if file.names.contains("grad/" + key) {
                guard let gradient = parameter.gradient else {
                    Issue.record("\(name): no gradient for \(key)")
                    continue
                }
                expectClose(gradient, try file.tensor(named: "grad/" + key), relative: r, absolute: a, "\(name) gradient of \(key)")
            } else {
                #expect(parameter.gradient == nil, "\(name): \(key) should receive no gradient")
            }
        }
        // Every injected draw is used, except by the supervised baseline, which never samples.
        #expect(model.noises.isEmpty == (meta["kind"] != "supervised"), "\(name): injected draws used")
    }

    @Test(arguments: [
        "objective_elbo_bernoulli", "objective_elbo_gaussian", "objective_m2_bce", "objective_m2_ce",
        "objective_supervised", "objective_smooth_elbo", "objective_shot", "objective_shot_optimal_match",
    ])
    func matchesPyTorch(name: String) throws {
        try check(name)
    }
}
