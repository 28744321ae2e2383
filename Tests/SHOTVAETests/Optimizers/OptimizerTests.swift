import Foundation
import Testing

@testable import SHOTVAE

/// Three steps of each optimizer on fixed gradients against PyTorch, and exact resumption.
@Suite struct OptimizerTests {
    func runFixture(_ name: String, _ make: ([Parameter], SafeTensors) -> any Optimizer) throws {
        let file = try SafeTensors(contentsOf: fixtureURL(name + ".safetensors"))
        let parameters = [Parameter(try file.tensor(named: "initial.0")), Parameter(try file.tensor(named: "initial.1"))]
        let optimizer = make(parameters, file)
        for step in 1...3 {
            for (i, p) in parameters.enumerated() { p.gradient = try file.tensor(named: "gradient\(step).\(i)") }
            optimizer.step()
            optimizer.zeroGradients()
            for (i, p) in parameters.enumerated() {
                expectClose(p.value, try file.tensor(named: "after\(step).\(i)"), relative: 1e-5, absolute: 1e-6,
                            "\(name) step \(step) parameter \(i)")
            }
        }
    }

    func setting(_ file: SafeTensors, _ key: String) -> Float { Float(file.metadata[key]!)! }

    @Test(arguments: ["optimizer_sgd_nesterov", "optimizer_sgd_momentum"])
    func sgdMatchesPyTorch(name: String) throws {
        try runFixture(name) { parameters, file in
            SGD(parameters: parameters, learningRate: setting(file, "lr"), momentum: setting(file, "momentum"),
                weightDecay: setting(file, "weight_decay"), nesterov: file.metadata["nesterov"] == "1")
        }
    }

    @Test(arguments: ["optimizer_adam", "optimizer_adam_l2"])
    func adamMatchesPyTorch(name: String) throws {
        try runFixture(name) { parameters, file in
            Adam(parameters: parameters, learningRate: setting(file, "lr"), weightDecay: setting(file, "weight_decay"))
        }
    }

    @Test func adamWMatchesPyTorch() throws {
        try runFixture("optimizer_adamw") { parameters, file in
            AdamW(parameters: parameters, learningRate: setting(file, "lr"), weightDecay: setting(file, "weight_decay"))
        }
    }

    /// Adam updates eight values at a time and the rest one at a time: a parameter of 19 values
    /// (two vectors and a tail of three) steps bit for bit like 19 parameters of one value each.
    @Test func adamLanesMatchTheScalarUpdate() {
        let values = randomTensor([19], seed: 81).scalars
        let whole = Parameter(Tensor(shape: [19], scalars: values))
        let singles = values.map { Parameter(Tensor(shape: [1], scalars: [$0])) }
        let (vectorized, scalar) = (Adam(parameters: [whole], learningRate: 0.01), Adam(parameters: singles, learningRate: 0.01))
        for step in 0..<3 {
            let gradient = randomTensor([19], seed: 82 + UInt64(step)).scalars
            whole.gradient = Tensor(shape: [19], scalars: gradient)
            for (p, g) in zip(singles, gradient) { p.gradient = Tensor(shape: [1], scalars: [g]) }
            vectorized.step()
            scalar.step()
        }
        #expect(whole.value.scalars == singles.map { $0.value.scalars[0] })
        #expect(whole.value.scalars != values)
    }

    /// SGD updates in place, eight values at a time and the rest one at a time: every setting
    /// (without momentum, classical, Nesterov; with and without weight decay) steps bit for bit
    /// as the formulas of ``SGD`` evaluated one value at a time, on a parameter of 19 values.
    @Test(arguments: [(Float(0), Float(0.01), false), (0.9, 5e-4, false), (0.9, 5e-4, true), (0.9, 0, false)])
    func sgdStepsAsItsFormulas(momentum: Float, weightDecay: Float, nesterov: Bool) {
        let values = randomTensor([19], seed: 91).scalars
        let parameter = Parameter(Tensor(shape: [19], scalars: values))
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, momentum: momentum, weightDecay: weightDecay,
                            nesterov: nesterov)
        var (expected, buffer) = (values, [Float](repeating: 0, count: 19))
        for step in 0..<3 {
            let gradient = randomTensor([19], seed: 92 + UInt64(step)).scalars
            parameter.gradient = Tensor(shape: [19], scalars: gradient)
            optimizer.step()
            optimizer.zeroGradients()
            for i in 0..<19 {
                var g = weightDecay == 0 ? gradient[i] : gradient[i] + weightDecay * expected[i]
                if momentum != 0 {
                    buffer[i] = step == 0 ? g : momentum * buffer[i] + g
                    g = nesterov ? g + momentum * buffer[i] : buffer[i]
                }
                expected[i] = expected[i] + -0.1 * g
            }
            #expect(parameter.value.scalars == expected, "step \(step)")
        }
        #expect(parameter.value.scalars != values)
        #expect(optimizer.state.tensors.isEmpty == (momentum == 0))
        if momentum != 0 { #expect(optimizer.state.tensors["momentum.0"]?.scalars == buffer) }
    }

    @Test func parametersWithoutGradientsStayPut() {
        let p = Parameter(Tensor(shape: [2], scalars: [1, 2]))
        let optimizer = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9)
        optimizer.step()
        #expect(p.value.scalars == [1, 2])
        #expect(optimizer.state.tensors.isEmpty)
    }

    @Test func restoringStateRejectsForeignState() {
        let p = Parameter(Tensor(shape: [2], repeating: 0))
        let optimizer = Adam(parameters: [p])
        #expect(throws: SHOTVAEError.self) {
            try optimizer.restore(OptimizerState(tensors: ["exp_avg.0": Tensor(shape: [3])]))
        }
        #expect(throws: SHOTVAEError.self) {
            try optimizer.restore(OptimizerState(tensors: ["momentum.0": Tensor(shape: [2])]))
        }
        #expect(throws: SHOTVAEError.self) {
            try optimizer.restore(OptimizerState(tensors: ["exp_avg.5": Tensor(shape: [2])]))
        }
    }
}

@Suite struct LearningRateScheduleTests {
    @Test func multiStepMatchesPyTorch() throws {
        let file = try SafeTensors(contentsOf: fixtureURL("schedule_multistep.safetensors"))
        let expected = try file.tensor(named: "rates").scalars
        let schedule = MultiStepLearningRate(initial: 0.1, milestones: [3, 5, 8], factor: 0.1)
        for (epoch, rate) in expected.enumerated() {
            expectClose(schedule.learningRate(at: TrainingProgress(epoch: epoch, step: 0, totalEpochs: 600)), rate, relative: 1e-5, absolute: 0, "epoch \(epoch)")
        }
    }

    @Test func cosineMatchesPyTorch() throws {
        let file = try SafeTensors(contentsOf: fixtureURL("schedule_cosine.safetensors"))
        let expected = try file.tensor(named: "rates").scalars
        let schedule = CosineLearningRate(initial: 0.1, minimum: 0.001, totalEpochs: 10)
        for (epoch, rate) in expected.enumerated() {
            expectClose(schedule.learningRate(at: TrainingProgress(epoch: epoch, step: 0, totalEpochs: 600)), rate, relative: 1e-5, absolute: 1e-7, "epoch \(epoch)")
        }
    }

    @Test func warmupThenPaperSchedule() {
        let schedule = WarmupLearningRate(
            warmupRate: 0.02, then: MultiStepLearningRate(initial: 0.1, milestones: [400, 500, 550]))
        #expect(schedule.learningRate(at: TrainingProgress(epoch: 0, step: 0, totalEpochs: 600)) == 0.02)
        #expect(schedule.learningRate(at: TrainingProgress(epoch: 1, step: 0, totalEpochs: 600)) == 0.1)
        expectClose(schedule.learningRate(at: TrainingProgress(epoch: 450, step: 0, totalEpochs: 600)), 0.01, relative: 1e-6)
        expectClose(schedule.learningRate(at: TrainingProgress(epoch: 599, step: 0, totalEpochs: 600)), 0.0001, relative: 1e-5)
    }

    /// Milestones counted in optimizer steps fall inside an epoch.
    @Test func multiStepCountedInSteps() {
        func at(_ step: Int) -> TrainingProgress { TrainingProgress(epoch: step / 100, step: step, totalEpochs: 4, stepsPerEpoch: 100) }
        let schedule = MultiStepLearningRate(initial: 0.1, milestones: [266, 333, 366], factor: 0.1, unit: .steps)
        #expect(schedule.learningRate(at: at(265)) == 0.1)
        expectClose(schedule.learningRate(at: at(266)), 0.01, relative: 1e-6)
        expectClose(schedule.learningRate(at: at(332)), 0.01, relative: 1e-6)
        expectClose(schedule.learningRate(at: at(333)), 0.001, relative: 1e-6)
        expectClose(schedule.learningRate(at: at(399)), 0.0001, relative: 1e-5)
    }

    /// Warm-ups counted in optimizer steps: constant, then linear over the first steps.
    @Test func warmupsCountedInSteps() {
        func at(_ step: Int) -> TrainingProgress { TrainingProgress(epoch: step / 100, step: step, totalEpochs: 10, stepsPerEpoch: 100) }
        let constant = WarmupLearningRate(warmupRate: 0.01, length: 50, unit: .steps, then: ConstantLearningRate(0.1))
        #expect(constant.learningRate(at: at(0)) == 0.01)
        #expect(constant.learningRate(at: at(49)) == 0.01)
        #expect(constant.learningRate(at: at(50)) == 0.1)
        let linear = LinearWarmupLearningRate(steps: 4, then: MultiStepLearningRate(initial: 0.2, milestones: [5]))
        let rates = (0..<6).map { linear.learningRate(at: at($0)) }
        for (rate, expected) in zip(rates, [0.05, 0.1, 0.15, 0.2, 0.2, 0.2] as [Float]) {
            expectClose(rate, expected, relative: 1e-6)
        }
        expectClose(linear.learningRate(at: at(520)), 0.02, relative: 1e-6)
    }
}
