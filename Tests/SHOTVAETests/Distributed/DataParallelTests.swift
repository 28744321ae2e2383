import Foundation
import Testing

@testable import SHOTVAE

/// A step divided among processes is the one-process step on the whole batch: the processes
/// here are threads of the test process (``ThreadGroup``), each with its own trainer, model
/// and optimizer, as `mpirun` would start them.
@Suite struct DataParallelTests {
    /// The objectives that divide a step, by their command-line names.
    enum ObjectiveKind: String, CaseIterable, Sendable {
        case shot, smoothELBO = "smooth-elbo", m2, supervised

        func make(_ settings: ObjectiveConfiguration) -> any VariationalObjective {
            switch self {
            case .shot: SHOTObjective(configuration: settings)
            case .smoothELBO: SmoothELBOObjective(configuration: settings)
            case .m2: M2Objective(configuration: settings)
            case .supervised: SupervisedObjective(configuration: settings)
            }
        }
    }

    /// The models of the tests.
    enum ModelKind: Sendable {
        /// The small perceptron VAE on 28 × 28 MNIST.
        case perceptron
        /// The paper's convolutional MNIST VAE on 32 × 32 MNIST.
        case mnist
        /// The paper's CIFAR model (WideResNet-28-1 encoder, DCGAN decoder: batch norm in
        /// both) on 32 × 32 colour images, with the CIFAR-10 recipe's objective settings.
        case cifar
    }

    /// What a process saw: every step's loss terms and its parameters at the end.
    struct Trajectory: Sendable {
        var terms: [LossTerms] = []
        var parameters: [[Float]] = []
        /// The model's buffers at the end (batch norm's running statistics).
        var buffers: [[Float]] = []
        var optimizerState: [[Float]] = []
        /// Every step's summed gradients, all parameters in one list.
        var gradients: [[Float]] = []
    }

    /// Keeps every step's gradients, as the optimizer receives them.
    final class GradientRecorder: TrainingHook {
        var gradients: [[Float]] = []
        func didComputeGradients(_ trainer: Trainer, terms: LossTerms, progress: TrainingProgress) throws {
            gradients.append(trainer.model.parameters.flatMap { $0.gradient?.scalars ?? [] })
        }
    }

    /// A trainer of `model` with its recipe's objective settings; the same on every process,
    /// but for its communicator.
    static func makeTrainer(
        _ kind: ObjectiveKind, model modelKind: ModelKind, seed: UInt64, labeledBatch: Int, unlabeledBatch: Int,
        adam: Bool = true
    ) -> Trainer {
        var rng = RandomGenerator(seed: seed)
        let model = switch modelKind {
        case .perceptron: SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 28, 28], hiddenCount: 64, generator: &rng)
        case .mnist: SemiSupervisedVAE.mnist(meanPixel: -0.8, generator: &rng)
        case .cifar: SemiSupervisedVAE.cifar(widthFactor: 1, generator: &rng)
        }
        var settings = modelKind == .cifar ? ObjectiveConfiguration.cifar10() : ObjectiveConfiguration.mnist
        // Capacities that are reached early, so that |KL − C| is not 0 on both sides.
        settings.continuousCapacity = .constant(0.5)
        settings.discreteCapacity = .constant(0.2)
        let trainer = Trainer(
            model: model, objective: kind.make(settings),
            optimizer: adam ? Adam(parameters: model.parameters) : SGD(parameters: model.parameters, learningRate: 1e-4, momentum: 0.9),
            learningRateSchedule: ConstantLearningRate(adam ? 1e-3 : 1e-4),
            configuration: TrainingConfiguration(
                epochs: 2, labeledBatchSize: labeledBatch, unlabeledBatchSize: unlabeledBatch, seed: seed,
                imageRange: modelKind == .cifar ? 0...1 : -1...1),
            output: nil)
        trainer.showsProgress = false
        return trainer
    }

    /// 2,000 MNIST training images padded to 32 × 32, the convolutional model's input.
    static let paddedTrain: LabeledImages = {
        let mnist = try! MNIST(directory: MNIST.bundledDirectory)  // the bundled files are tested in MNISTTests
        return mnist.train.subset(Array(0..<2000)).padded(to: 32).scaled(to: -1...1)
    }()

    /// 200 random 32 × 32 colour images in [0, 1], 20 of each of 10 classes: enough for the
    /// CIFAR model's steps, whose values are compared, not learned.
    static let colourTrain: LabeledImages = {
        var rng = RandomGenerator(seed: 5)
        return LabeledImages(
            images: Tensor(uniform: [200, 3, 32, 32], in: 0...1, generator: &rng), labels: (0..<200).map { $0 % 10 },
            classCount: 10)
    }()

    static func split(seed: UInt64, model: ModelKind = .perceptron) throws -> SemiSupervisedSplit {
        var rng = RandomGenerator(seed: seed)
        let train = switch model {
        case .perceptron: TrainerTests.data.train
        case .mnist: paddedTrain
        case .cifar: colourTrain
        }
        return try SemiSupervisedSplit(train, labelsPerClass: model == .cifar ? 2 : 10, generator: &rng)
    }

    /// `steps` training steps of a run over `processes` processes, from the trainer's own
    /// start (the model broadcast from process 0), one trajectory per process.
    static func train(
        _ kind: ObjectiveKind, processes: Int, steps: Int, model: ModelKind = .perceptron, seed: UInt64 = 3,
        labeledBatch: Int = 10, unlabeledBatch: Int = 100, adam: Bool = false, overlapsGradientSum: Bool = true
    ) throws -> [Trajectory] {
        try ThreadGroup(size: processes).run { communicator in
            let trainer = makeTrainer(
                kind, model: model, seed: seed, labeledBatch: labeledBatch, unlabeledBatch: unlabeledBatch, adam: adam)
            trainer.overlapsGradientSum = overlapsGradientSum
            // Process 0's model is the one every process starts from: the others start from
            // other weights, which the broadcast replaces.
            if communicator.rank > 0 {
                for parameter in trainer.model.parameters { parameter.variable.value = Tensor(shape: parameter.shape, repeating: 0.5) }
            }
            trainer.communicator = communicator
            let split = try split(seed: seed, model: model)
            try trainer.checkProcesses(split: split, test: TrainerTests.data.test)
            trainer.broadcastModel()
            let recorder = GradientRecorder()
            trainer.hooks = [recorder]
            var run = try trainer.freshState(split: split)
            var trajectory = Trajectory()
            for _ in 0..<steps { trajectory.terms.append(try trainer.trainingStep(&run, split: split)) }
            trajectory.parameters = trainer.model.parameters.map { $0.variable.value.scalars }
            trajectory.buffers = trainer.model.namedBuffers.map { $0.buffer.value.scalars }
            trajectory.gradients = recorder.gradients
            trajectory.optimizerState = trainer.optimizer.state.tensors.sorted { $0.key < $1.key }.map { $0.value.scalars }
            return trajectory
        }
    }

    /// Every process of a divided run reports the same terms and ends with the same
    /// parameters and optimizer state, bit for bit (they sum the same numbers in the same
    /// order); and those are the one-process run's, to float rounding (``expectSameRun``).
    @Test(arguments: ObjectiveKind.allCases, [2, 3])
    func dividedStepIsTheWholeStep(kind: ObjectiveKind, processes: Int) throws {
        let whole = try Self.train(kind, processes: 1, steps: 8)[0]
        let divided = try Self.train(kind, processes: processes, steps: 8)
        for rank in 1..<processes {
            Self.expectIdentical(divided[rank], divided[0], rank: rank)
        }
        Self.expectSameRun(whole, divided[0])
    }

    /// Expects process `rank` to have reported the same terms and to hold the same parameters
    /// and optimizer state as process 0, bit for bit.
    static func expectIdentical(
        _ trajectory: Trajectory, _ first: Trajectory, rank: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let sameTerms = trajectory.terms == first.terms
        let sameParameters = trajectory.parameters == first.parameters
        let sameState = trajectory.optimizerState == first.optimizerState
        let sameBuffers = trajectory.buffers == first.buffers
        #expect(sameTerms && sameParameters && sameState && sameBuffers,
                "process \(rank): same terms \(sameTerms), parameters \(sameParameters), optimizer state \(sameState), buffers \(sameBuffers)",
                sourceLocation: sourceLocation)
    }

    /// Expects a divided run to have taken the one-process run's steps (with SGD, which does
    /// not magnify rounding differences as Adam does near a zero gradient): at every step the
    /// loss terms within a relative 1e-4, the summed gradients within `gradientTolerance` of
    /// the largest gradient, and at the end every parameter within 1e-5.
    static func expectSameRun(
        _ whole: Trajectory, _ divided: Trajectory, gradientTolerance: Float = 1e-5,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(whole.terms.count == divided.terms.count && whole.gradients.count == divided.gradients.count, sourceLocation: sourceLocation)
        for (step, (a, b)) in zip(whole.terms, divided.terms).enumerated() {
            #expect(a.named.map(\.name) == b.named.map(\.name), "step \(step)", sourceLocation: sourceLocation)
            for ((name, x), (_, y)) in zip(a.named, b.named) {
                #expect(abs(x - y) <= 1e-4 * max(1, abs(x)), "step \(step), \(name): \(x) whole, \(y) divided", sourceLocation: sourceLocation)
            }
        }
        for (step, (a, b)) in zip(whole.gradients, divided.gradients).enumerated() {
            #expect(a.count == b.count, sourceLocation: sourceLocation)
            let largest = a.map { abs($0) }.max() ?? 0
            let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(largest > 0 && difference <= gradientTolerance * largest, "step \(step): gradients differ by \(difference), the largest is \(largest)", sourceLocation: sourceLocation)
        }
        let difference = zip(whole.parameters.joined(), divided.parameters.joined()).map { abs($0 - $1) }.max() ?? 0
        #expect(difference <= 1e-5, "parameters differ by up to \(difference)", sourceLocation: sourceLocation)
    }

    /// With Adam, every process keeps the same moments, bit for bit, and the first step's
    /// gradients are the one-process step's (later steps can drift apart by up to the
    /// learning rate where Adam divides a rounding difference by a gradient near 0).
    @Test func adamStateIsTheSameOnEveryProcess() throws {
        let whole = try Self.train(.shot, processes: 1, steps: 3, adam: true)[0]
        let divided = try Self.train(.shot, processes: 3, steps: 3, adam: true)
        for rank in 1..<3 {
            Self.expectIdentical(divided[rank], divided[0], rank: rank)
        }
        #expect(!divided[0].optimizerState.isEmpty)
        let largest = whole.gradients[0].map { abs($0) }.max()!
        let difference = zip(whole.gradients[0], divided[0].gradients[0]).map { abs($0 - $1) }.max()!
        #expect(difference <= 1e-5 * largest, "gradients differ by \(difference), the largest is \(largest)")
    }

    /// The paper's convolutional MNIST VAE, batches that do not divide evenly (11 + 65 over 3
    /// processes), and the per-example noise drawn for the whole batch.
    @Test func convolutionalModelWithUnevenShares() throws {
        let whole = try Self.train(.shot, processes: 1, steps: 4, model: .mnist, labeledBatch: 11, unlabeledBatch: 65)[0]
        let divided = try Self.train(.shot, processes: 3, steps: 4, model: .mnist, labeledBatch: 11, unlabeledBatch: 65)
        Self.expectSameRun(whole, divided[0])
    }

    /// The paper's CIFAR model, with batch norm in its encoder (fused into the pre-activation
    /// convolutions) and in its decoder, divided unevenly (5 + 7 over 2 processes): the
    /// statistics are the whole batch's, so the steps are the one-process steps, and the
    /// running statistics are the same on both processes and the one-process run's.
    ///
    /// The gradients of the first residual blocks are compared within 5e-2 of the largest: at
    /// batches this small the untrained network's backward pass magnifies rounding (scaling
    /// the stem's weights by 1 + 1e-6 in one process moves those gradients by up to 1.5e-2 of
    /// the largest; the portable kernels' rounding, 1.2e-2), while the decoder's and the
    /// heads' agree within 1e-5. Backward sums of the processes' rows alone (the batch norm's
    /// `Σ dy` and `Σ dy x̂` not combined) move them by 0.59 and 0.79 of the largest. The loss
    /// terms, which statistics of the processes' rows alone would move by far more, are held
    /// to 1e-4.
    @Test func batchNormalizedModelDividesItsSteps() throws {
        let whole = try Self.train(.shot, processes: 1, steps: 2, model: .cifar, labeledBatch: 5, unlabeledBatch: 7)[0]
        let divided = try Self.train(.shot, processes: 2, steps: 2, model: .cifar, labeledBatch: 5, unlabeledBatch: 7)
        Self.expectIdentical(divided[1], divided[0], rank: 1)
        Self.expectSameRun(whole, divided[0], gradientTolerance: 5e-2)
        #expect(whole.buffers.count == divided[0].buffers.count && !whole.buffers.isEmpty)
        let difference = zip(whole.buffers.joined(), divided[0].buffers.joined()).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 1
        #expect(difference <= 1e-4, "running statistics differ by up to \(difference) (relative)")
    }

    /// The gradients summed during the backward pass or after it: the same run, bit for bit.
    @Test func overlapDoesNotChangeTheRun() throws {
        let overlapped = try Self.train(.shot, processes: 2, steps: 3)
        let blocking = try Self.train(.shot, processes: 2, steps: 3, overlapsGradientSum: false)
        for rank in 0..<2 { Self.expectIdentical(blocking[rank], overlapped[rank], rank: rank) }
    }

    /// Shares of the whole batch: contiguous, in rank order, as even as can be.
    @Test func batchRowsCoverTheBatchOnce() {
        for processes in 1...5 {
            for count in processes...23 {
                let rows = (0..<processes).map { BatchRows(wholeCount: count, processCount: processes, rank: $0).own }
                #expect(rows.first?.lowerBound == 0 && rows.last?.upperBound == count)
                #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(rows.map(\.count).max()! - rows.map(\.count).min()! <= 1)
            }
        }
    }

    /// Processes started with another seed, or a batch smaller than the number of processes,
    /// are refused before any step, with an error that says why.
    @Test func mismatchedProcessesAreRefused() throws {
        let results = try ThreadGroup(size: 2).run { communicator -> String? in
            let trainer = Self.makeTrainer(
                .shot, model: .perceptron, seed: communicator.rank == 0 ? 3 : 4, labeledBatch: 10, unlabeledBatch: 100)
            trainer.communicator = communicator
            do {
                try trainer.checkProcesses(split: try Self.split(seed: 3), test: TrainerTests.data.test)
                return nil
            } catch {
                return "\(error)"
            }
        }
        for message in results {
            #expect(message?.contains("process 1 was started with other seed than process 0") == true, "\(message ?? "no error")")
        }
        let small = try ThreadGroup(size: 3).run { communicator -> String? in
            let trainer = Self.makeTrainer(.shot, model: .perceptron, seed: 3, labeledBatch: 2, unlabeledBatch: 100)
            trainer.communicator = communicator
            do {
                try trainer.checkProcesses(split: try Self.split(seed: 3), test: TrainerTests.data.test)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(small.allSatisfy { $0?.contains("a labeled batch of 2 cannot give each of 3 processes an example") == true })
    }

    /// An objective that has not declared that it can divide a step is refused.
    @Test func objectiveWithoutDividedBatchesIsRefused() throws {
        final class WholeBatchOnly: VariationalObjective {
            let usesUnlabeledData = false
            func loss(
                model: SemiSupervisedVAE, labeled: LabeledBatch?, unlabeled: Tensor?, progress: TrainingProgress,
                context: ForwardContext
            ) -> ObjectiveValue {
                ObjectiveValue(total: Variable(Tensor(shape: [], repeating: 0)), terms: LossTerms())
            }
        }
        let messages = try ThreadGroup(size: 2).run { communicator -> String? in
            var rng = RandomGenerator(seed: 3)
            let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 28, 28], hiddenCount: 16, generator: &rng)
            let trainer = Trainer(
                model: model, objective: WholeBatchOnly(), optimizer: Adam(parameters: model.parameters),
                learningRateSchedule: ConstantLearningRate(1e-3),
                configuration: TrainingConfiguration(epochs: 1, labeledBatchSize: 10, unlabeledBatchSize: 100, seed: 3),
                output: nil)
            trainer.communicator = communicator
            do {
                try trainer.checkProcesses(split: try Self.split(seed: 3), test: TrainerTests.data.test)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(messages.allSatisfy { $0?.contains("cannot divide a step's batch among 2 processes") == true })
    }

    /// A model with a layer that mixes the examples of its batch without combining them across
    /// processes is refused: a process would compute on its rows alone.
    @Test func modelThatCannotDivideIsRefused() throws {
        /// Subtracts the batch's mean: mixes examples, and does not say it can divide.
        final class BatchCentering: Layer {
            func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
                input - input.mean(alongAxes: [0], keepingDimensions: true)
            }
        }
        let messages = try ThreadGroup(size: 2).run { communicator -> String? in
            var rng = RandomGenerator(seed: 3)
            let encoder = Sequential([Flatten(), BatchCentering(), Dense(inputCount: 784, outputCount: 16, generator: &rng)])
            let model = SemiSupervisedVAE(
                encoder: encoder, featureCount: 16, latentCount: 4, classCount: 10,
                decoder: Sequential([Dense(inputCount: 14, outputCount: 784, generator: &rng), Reshape([1, 28, 28])]),
                generator: &rng)
            let trainer = Trainer(
                model: model, objective: SHOTObjective(configuration: .mnist), optimizer: Adam(parameters: model.parameters),
                learningRateSchedule: ConstantLearningRate(1e-3),
                configuration: TrainingConfiguration(epochs: 1, labeledBatchSize: 10, unlabeledBatchSize: 100, seed: 3),
                output: nil)
            trainer.communicator = communicator
            do {
                try trainer.checkProcesses(split: try Self.split(seed: 3), test: TrainerTests.data.test)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(messages.allSatisfy { $0?.contains("the model has a layer that mixes the examples of its batch") == true }, "\(messages)")
    }

    /// Evaluation divided among processes counts what one process counts.
    @Test func dividedEvaluationCountsAlike() throws {
        var rng = RandomGenerator(seed: 11)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 28, 28], hiddenCount: 32, generator: &rng)
        let test = TrainerTests.data.test.subset(Array(0..<301))
        let alone = ClassificationReport(model: model, set: test, batchSize: 64)
        let shared = UncheckedSendable(model)
        let reports = try ThreadGroup(size: 3).run { communicator in
            ClassificationReport(model: shared.value, set: test, batchSize: 64, communicator: communicator)
        }
        for report in reports { #expect(report == alone) }
    }
}
