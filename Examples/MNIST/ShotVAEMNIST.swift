import ArgumentParser
import Foundation
import SHOTVAE
import SHOTVAEDistributed

/// `shotvae-mnist`: semi-supervised training on MNIST or Fashion-MNIST with the paper's
/// convolutional VAE (Method.md section 7).
@main
struct ShotVAEMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shotvae-mnist",
        abstract: "Train SHOT-VAE (or a baseline) on MNIST or Fashion-MNIST with few labels.",
        discussion: """
            Writes metrics.jsonl, summary.json, checkpoint.safetensors, reconstructions.png, \
            samples.png, curves.svg and a TensorBoard event file into the output folder. Ctrl-C finishes the current step \
            and writes a checkpoint; --resume continues from it exactly. Build in release mode \
            (swift run -c release shotvae-mnist ...): a debug build trains a hundred times slower \
            or more.
            """)

    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case mnist, fashionMNIST = "fashion-mnist"
    }

    enum ObjectiveName: String, ExpressibleByArgument, CaseIterable {
        case shot, smoothELBO = "smooth-elbo", m2, supervised
    }

    enum Partners: String, ExpressibleByArgument, CaseIterable {
        case random, optimal
    }

    @Option(help: "The data set: \(Dataset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset: Dataset = .mnist

    @Option(help: "The folder of the four IDX files (raw or .gz), or an image folder (train/<class>/, test/<class>/ of PNG and JPEG files, read in grey and padded to 32x32). Default: the bundled MNIST, or /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).")
    var dataDir: String?

    @Option(parsing: .unconditional, help: "With an image folder: resize every image to this many pixels square (bilinear); without it, all must have one size, at most 32x32.")
    var resize: Int?

    @Option(help: "With an image folder: the labeled images, one \"path class\" line each (Mean Teacher's label files), instead of --labels per class.")
    var labelFile: String?

    // Numeric options take the next word as their value even when it starts with "-", so that
    // `--time-budget -1` reaches validate() instead of reading as a missing value.
    @Option(parsing: .unconditional, help: "Labeled training images, the same number per class.")
    var labels = 100

    @Option(help: "The objective: \(ObjectiveName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var objective: ObjectiveName = .shot

    @Option(parsing: .unconditional, help: "Epochs (passes over the unlabeled set).")
    var epochs = 300

    @Option(parsing: .unconditional, help: "Stop after this many minutes of wall time, counted across resumptions: a resumed run stops when the whole run has trained this long.")
    var timeBudget: Double?

    @Option(parsing: .unconditional, help: "Stop after this many optimizer steps in all, counted across resumptions (an epoch of MNIST is 468 steps with the default batches). Unlike --time-budget, it does not depend on the machine's speed or load.")
    var stepBudget: Int?

    @Option(parsing: .unconditional, help: "The seed of the split, the initial weights and every random draw.")
    var seed: UInt64 = 1

    @Option(help: "The output folder. Default: runs/<dataset>-<objective>-<labels>-seed<seed>.")
    var output: String?

    @Flag(help: "Continue the run whose checkpoint is in the output folder, with the same options (only --time-budget and --step-budget may change).")
    var resume = false

    @Option(parsing: .unconditional, help: "Unlabeled images per batch.")
    var batchSize = 128

    @Option(parsing: .unconditional, help: "Labeled images per batch (the labeled loader cycles).")
    var labeledBatchSize = 4

    @Option(parsing: .unconditional, help: "Adam's learning rate (the paper's MNIST recipe: 5e-4; SHOT-VAE's MNIST settings: 1e-3).")
    var learningRate: Float = 1e-3

    @Option(parsing: .unconditional, help: "Weight of the label term BCE(α, y) (default 200; the paper's MNIST recipe: 50).")
    var labelWeight: Float?

    @Option(parsing: .unconditional, help: "Largest weight of the unlabeled interpolation term Du (ucw, default 200), reached by a ramp over --unlabeled-ramp.")
    var unlabeledWeight: Float?

    @Option(parsing: .unconditional, help: "Length of the ucw ramp, in epochs (10 or 10epochs) or in optimizer steps (800steps); default 10 epochs.")
    var unlabeledRamp: Span?

    @Option(parsing: .unconditional, help: "Length of the linear rise of the capacities Cc (0 → 17.5) and Cd (0 → 17, capped at log K), in steps (25000steps, the default) or epochs (50epochs).")
    var capacityRamp: Span?

    @Option(parsing: .unconditional, help: "Posterior-matching weight pw (Dc is weighted by bc · pw).")
    var matchingWeight: Float?

    @Option(parsing: .unconditional, help: "ELBO weight ew (default 0.1; the paper's MNIST recipe: 1).")
    var elboWeight: Float?

    @Option(help: "Partner choice of the unlabeled interpolation: random or optimal.")
    var partners: Partners = .random

    /// Whether --data-dir is an image folder rather than IDX files.
    var readsImageFolder: Bool { dataDir.map { ImageFolder.isImageFolder(URL(fileURLWithPath: $0)) } ?? false }

    func validate() throws {
        guard labels > 0 else { throw ValidationError("--labels must be positive (the same number per class).") }
        if let resize, !(1...32).contains(resize) { throw ValidationError("--resize must be between 1 and 32 pixels (the model reads 32x32).") }
        guard readsImageFolder || (resize == nil && labelFile == nil) else {
            throw ValidationError("--resize and --label-file apply to an image folder (train/<class>/, test/<class>/), and \(dataDir ?? "the default data") is not one.")
        }
        guard epochs > 0 else { throw ValidationError("--epochs must be positive.") }
        if let timeBudget, !(timeBudget > 0) { throw ValidationError("--time-budget must be a positive number of minutes.") }
        if let stepBudget, stepBudget <= 0 { throw ValidationError("--step-budget must be a positive number of steps.") }
        guard batchSize > 0, labeledBatchSize > 0 else { throw ValidationError("Batch sizes must be positive.") }
        guard labeledBatchSize <= labels else { throw ValidationError("--labeled-batch-size cannot exceed --labels.") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive.") }
        for (option, value) in [
            ("--label-weight", labelWeight), ("--unlabeled-weight", unlabeledWeight),
            ("--matching-weight", matchingWeight), ("--elbo-weight", elboWeight),
        ] {
            if let value, !(value >= 0) { throw ValidationError("\(option) cannot be negative.") }
        }
        if let unlabeledRamp, !(unlabeledRamp.length >= 0) { throw ValidationError("--unlabeled-ramp cannot be negative.") }
        if let capacityRamp, !(capacityRamp.length >= 0) { throw ValidationError("--capacity-ramp cannot be negative.") }
    }

    /// The training and test sets in [-1, 1], padded to 32x32 as the paper's model reads them,
    /// and the split: IDX files, or an image folder in grey (by --labels per class or
    /// --label-file).
    func loadData(_ directory: URL, showsProgress: Bool) throws -> (LabeledImages, LabeledImages, SemiSupervisedSplit) {
        let raw: (train: LabeledImages, test: LabeledImages)
        var folder: ImageFolder?
        if readsImageFolder {
            let images = try ImageFolder(root: directory, channels: 1, size: resize.map { ($0, $0) }, showsProgress: showsProgress)
            let shape = images.train.images.shape
            guard shape[2] <= 32, shape[3] <= 32 else {
                throw ValidationError("The images of \(directory.path) are \(shape[3])x\(shape[2]); the MNIST model reads at most 32x32: add --resize 32 (or 28).")
            }
            (folder, raw) = (images, (images.train, images.test))
        } else {
            do {
                let data = try MNIST(directory: directory, variant: dataset == .mnist ? .mnist : .fashionMNIST)
                raw = (data.train, data.test)
            } catch let error as SHOTVAEError where error.kind == .fileSystem {
                throw SHOTVAEError(.fileSystem, path: directory.path,
                                   "neither the four IDX files (\(error.reason)) nor an image folder (train/<class>/ and test/<class>/)")
            }
        }
        // The paper's MNIST model reads 32x32 images in [-1, 1].
        let train = raw.train.padded(to: 32).scaled(to: -1...1)
        let test = raw.test.padded(to: 32).scaled(to: -1...1)
        // An image folder's unlabeled/ images join the unlabeled set, prepared alike.
        func withUnlabeledImages(_ split: SemiSupervisedSplit) throws -> SemiSupervisedSplit {
            guard let unlabeled = folder?.unlabeled else { return split }
            return try split.addingUnlabeled(unlabeled.padded(to: 32).scaled(to: -1...1))
        }
        if let folder, let labelFile {
            let listed = try folder.split(labelFile: URL(fileURLWithPath: labelFile))
            return (train, test, try withUnlabeledImages(SemiSupervisedSplit(train, labeledIndices: listed.labeledIndices)))
        }
        guard labels % train.classCount == 0 else {
            throw ValidationError("--labels must be a multiple of \(train.classCount), the number of classes (the same number per class).")
        }
        var splitGenerator = RandomGenerator(seed: seed)
        return (train, test, try withUnlabeledImages(
            SemiSupervisedSplit(train, labelsPerClass: labels / train.classCount, generator: &splitGenerator)))
    }

    func run() throws {
        warnIfBuiltForDebugging()
        // Several processes when started by mpirun (see the README, "Training on several machines").
        let communicator = try Launch.communicator()
        let directory = dataDir.map { URL(fileURLWithPath: $0) }
            ?? (dataset == .mnist ? MNIST.bundledDirectory : URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist"))
        let outputFolder = URL(fileURLWithPath: output ?? "runs/\(dataset.rawValue)-\(objective.rawValue)-\(labels)-seed\(seed)")

        let start = Date()
        let (train, test, split) = try loadData(directory, showsProgress: communicator.rank == 0)
        log("\(readsImageFolder ? "images" : dataset.rawValue) from \(directory.path): \(train.count) training images (\(split.labeled.count) labeled)\(split.unlabeled.count > train.count ? ", \(split.unlabeled.count - train.count) unlabeled images without a class" : ""), \(test.count) test images, loaded in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")

        var initializer = RandomGenerator(seed: seed &+ 1)
        // The decoder's output starts at the mean training pixel (see `SemiSupervisedVAE.mnist`).
        let model = SemiSupervisedVAE.mnist(classCount: train.classCount, meanPixel: train.meanPixel, generator: &initializer)
        var settings = ObjectiveConfiguration.mnist
        if let labelWeight { settings.labeledClassificationWeight = .constant(labelWeight) }
        if unlabeledWeight != nil || unlabeledRamp != nil {
            settings.unlabeledClassificationWeight = .exponentialRamp(
                maximum: unlabeledWeight ?? 200, length: unlabeledRamp?.length ?? 10, unit: unlabeledRamp?.unit ?? .epochs)
        }
        if let capacityRamp {
            settings.continuousCapacity = .linear(start: 0, end: 17.5, length: capacityRamp.length, unit: capacityRamp.unit)
            settings.discreteCapacity = WeightSchedule.linear(start: 0, end: 17, length: capacityRamp.length, unit: capacityRamp.unit)
                .capped(at: Float(Foundation.log(Double(train.classCount))))
        }
        if let matchingWeight { settings.posteriorMatchingWeight = .constant(matchingWeight) }
        if let elboWeight { settings.elboWeight = .constant(elboWeight) }
        settings.partnerChoice = partners == .random ? .randomPermutation : .optimalMatch
        let lossFunction: any VariationalObjective
        switch objective {
        case .shot: lossFunction = SHOTObjective(configuration: settings)
        case .smoothELBO: lossFunction = SmoothELBOObjective(configuration: settings)
        case .m2: lossFunction = M2Objective(configuration: settings)
        case .supervised: lossFunction = SupervisedObjective(configuration: settings)
        }
        let optimizer = Adam(parameters: model.parameters)
        let configuration = TrainingConfiguration(
            epochs: epochs, timeBudget: timeBudget.map { $0 * 60 }, stepBudget: stepBudget, labeledBatchSize: labeledBatchSize,
            unlabeledBatchSize: batchSize, seed: seed, imageRange: -1...1)
        let trainer = Trainer(
            model: model, objective: lossFunction, optimizer: optimizer,
            learningRateSchedule: ConstantLearningRate(learningRate), configuration: configuration,
            output: outputFolder, runDescription: describe(settings))
        log("\(objective.rawValue) objective, \(model.parameterCount) parameters, output in \(outputFolder.path)\(resume ? " (resuming)" : "")\(communicator.size > 1 ? ", \(communicator.size) processes" : "")")
        trainer.communicator = communicator
        let summary = try trainer.fit(split: split, test: test, resume: resume)
        log(summary.outcome)
        log("Wrote \(summary.writtenFiles.map { outputFolder.appendingPathComponent($0).path }.joined(separator: "\n      "))")
        Launch.finish(communicator)
        if summary.stopReason == .interrupted { throw ExitCode(130) }
    }

    /// The run's options and objective settings as JSON, kept in checkpoints and the summary.
    func describe(_ settings: ObjectiveConfiguration) -> String {
        struct Description: Encodable {
            var dataset: String, labels: Int, objective: String, epochs: Int, timeBudgetMinutes: Double?, stepBudget: Int?
            var seed: UInt64, batchSize: Int, labeledBatchSize: Int, learningRate: Float
            var objectiveConfiguration: ObjectiveConfiguration
        }
        let description = Description(
            dataset: dataset.rawValue, labels: labels, objective: objective.rawValue, epochs: epochs,
            timeBudgetMinutes: timeBudget, stepBudget: stepBudget, seed: seed, batchSize: batchSize, labeledBatchSize: labeledBatchSize,
            learningRate: learningRate, objectiveConfiguration: settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(description)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Says on standard error that this executable was built without optimisation, if it was
    /// (SwiftPM defines `DEBUG` in debug builds).
    func warnIfBuiltForDebugging() {
        #if DEBUG
        log("warning: shotvae-mnist was built without optimisation (debug); training is a hundred times slower or more. Build with `swift build -c release`, or run `swift run -c release shotvae-mnist ...`.")
        #endif
    }

    /// A length of training in epochs or optimizer steps: `10` or `10epochs`, `800steps`.
    struct Span: ExpressibleByArgument {
        var length: Double
        var unit: ScheduleUnit

        init?(argument: String) {
            let text = argument.lowercased().filter { !$0.isWhitespace }
            let units: [(suffix: String, unit: ScheduleUnit)] = [
                ("epochs", .epochs), ("epoch", .epochs), ("steps", .steps), ("step", .steps),
            ]
            let match = units.first { text.hasSuffix($0.suffix) }
            guard let length = Double(match.map { String(text.dropLast($0.suffix.count)) } ?? text), length.isFinite
            else { return nil }
            self.length = length
            self.unit = match?.unit ?? .epochs
        }
    }

    /// A line on standard error, from the first process only when mpirun started several.
    func log(_ text: String) {
        guard (ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"] ?? "0") == "0" else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
