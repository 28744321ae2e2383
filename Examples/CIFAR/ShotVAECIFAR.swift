import ArgumentParser
import Foundation
import SHOTVAE
import SHOTVAEDistributed

/// `shotvae-cifar`: SHOT-VAE on CIFAR-10 or CIFAR-100 with the paper's WideResNet encoder and
/// DCGAN decoder (Method.md sections 5 and 6).
@main
struct ShotVAECIFAR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shotvae-cifar",
        abstract: "Train SHOT-VAE (or a baseline) on CIFAR-10 or CIFAR-100 with few labels (WideResNet-28-k + DCGAN decoder).",
        discussion: """
            --data-dir is the official binary archive (cifar-10-binary.tar.gz, cifar-100-binary.tar.gz) \
            or the folder it extracts to, or a folder of your own images: train/<class>/ and \
            test/<class>/ of PNG and JPEG files, 32x32 or resized with --resize (then --dataset \
            chooses only the recipe, and the classes are the folders). The defaults are the paper's recipe: SGD (lr 0.1, momentum \
            0.9, weight decay 5e-4), epoch 0 at lr 0.02, lr × 0.1 at epochs 400, 500, 550 of 600 \
            (CIFAR-100: 500, 600, 650 of 700), the ramps of section 5, Bernoulli reconstruction, \
            Dz = 128, reflect-pad-crop-flip augmentation. Other epoch counts stretch every schedule \
            in proportion. --dataset svhn reads the official train_32x32.mat and test_32x32.mat \
            (and extra_32x32.mat with --with-extra) from the folder --data-dir names, with \
            CIFAR-10's recipe, 1,000 labels, 100 validation images per class and no horizontal \
            flips. Writes metrics.jsonl, summary.json, checkpoint.safetensors, \
            reconstructions.png, samples.png, curves.svg and a TensorBoard event file into the \
            output folder. Build in \
            release mode (swift run -c release shotvae-cifar ...): a debug build trains a hundred \
            times slower or more.
            """)

    enum Dataset: String, ExpressibleByArgument, CaseIterable { case cifar10, cifar100, svhn }
    enum ObjectiveName: String, ExpressibleByArgument, CaseIterable {
        case shot, smoothELBO = "smooth-elbo", m2, supervised
    }
    enum Network: String, ExpressibleByArgument, CaseIterable {
        case wrn28x2 = "wrn-28-2", wrn28x10 = "wrn-28-10"
        var widthFactor: Int { self == .wrn28x2 ? 2 : 10 }
    }

    @Option(help: "The data set: cifar10, cifar100 or svhn (the folder of train_32x32.mat and test_32x32.mat: 1,000 labels and 100 validation images per class by default, CIFAR-10's recipe without horizontal flips).")
    var dataset: Dataset = .cifar10

    @Option(help: "The official binary .tar.gz archive, the folder it extracts to, or an image folder (train/<class>/, test/<class>/, and optionally unlabeled/ for images without a class).")
    var dataDir: String

    @Option(parsing: .unconditional, help: "With an image folder: resize every image to this many pixels square (bilinear); without it, all must be 32x32.")
    var resize: Int?

    @Option(help: "With an image folder: the labeled images, one \"path class\" line each (Mean Teacher's label files), instead of --labels per class.")
    var labelFile: String?

    // Numeric options take the next word as their value even when it starts with "-", so that
    // `--time-budget -1` reaches validate() instead of reading as a missing value.
    @Option(parsing: .unconditional, help: "Labeled training images, the same number per class (default: 4000 for CIFAR-10, 10000 for CIFAR-100).")
    var labels: Int?

    @Option(parsing: .unconditional, help: "Validation images held out per class (default: 500 for CIFAR-10, 50 for CIFAR-100, as in the paper).")
    var validationPerClass: Int?

    @Option(help: "The objective: \(ObjectiveName.allCases.map(\.rawValue).joined(separator: ", ")) (the baselines on the same recipe).")
    var objective: ObjectiveName = .shot

    @Option(help: "The encoder: wrn-28-2 or wrn-28-10.")
    var network: Network = .wrn28x2

    @Option(parsing: .unconditional, help: "Images per batch, labeled and unlabeled alike, in all (not per process): the official recipe's 768. A step of 768 + 768 needs about 4 GiB.")
    var batchSize = 768

    @Option(parsing: .unconditional, help: "Epochs (default: 600 for CIFAR-10, 700 for CIFAR-100). The ramps, the warm-up and the learning-rate drops keep their places in the run (CIFAR-10's drops at 2/3, 5/6 and 11/12 of it).")
    var epochs: Int?

    @Option(parsing: .unconditional, help: "Stop after this many minutes of wall time, counted across resumptions: a resumed run stops when the whole run has trained this long.")
    var timeBudget: Double?

    @Option(parsing: .unconditional, help: "Stop after this many optimizer steps in all, counted across resumptions (an epoch of CIFAR-10's 45,000 unlabeled images is 59 steps of 768). Unlike --time-budget, it does not depend on the machine's speed or load.")
    var stepBudget: Int?

    @Option(parsing: .unconditional, help: "The seed of the split, the initial weights and every random draw.")
    var seed: UInt64 = 1

    @Option(help: "The output folder. Default: runs/<dataset>-<labels>-<network>-seed<seed>, with the objective after the data set when it is not shot.")
    var output: String?

    @Flag(help: "Continue the run whose checkpoint is in the output folder, with the same options (only --time-budget and --step-budget may change).")
    var resume = false

    var classCount: Int { dataset == .cifar100 ? 100 : 10 }
    var labelCount: Int { labels ?? [.cifar10: 4000, .cifar100: 10_000, .svhn: 1000][dataset]! }
    var epochCount: Int { epochs ?? (dataset == .cifar100 ? 700 : 600) }
    /// SVHN's digits are not mirror images of themselves: no horizontal flips there.
    var flips: Bool { dataset != .svhn }

    @Flag(help: "With --dataset svhn: also train on extra_32x32.mat's 531,131 easier images.")
    var withExtra = false

    /// Whether --data-dir is an image folder rather than CIFAR's files.
    var readsImageFolder: Bool { ImageFolder.isImageFolder(URL(fileURLWithPath: dataDir)) }

    func validate() throws {
        if let resize, resize < 1 { throw ValidationError("--resize must be a positive number of pixels.") }
        guard dataset == .svhn || !withExtra else { throw ValidationError("--with-extra applies to --dataset svhn.") }
        guard readsImageFolder || (resize == nil && labelFile == nil) else {
            throw ValidationError("--resize and --label-file apply to an image folder (train/<class>/, test/<class>/), and \(dataDir) is not one.")
        }
        // An image folder's classes are its folders: checked once it is read.
        guard labelCount > 0, readsImageFolder || labelCount % classCount == 0 else {
            throw ValidationError("--labels must be a positive multiple of \(classCount) (the same number per class).")
        }
        guard epochCount > 0 else { throw ValidationError("--epochs must be positive.") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive.") }
        if let validationPerClass, validationPerClass < 0 { throw ValidationError("--validation-per-class cannot be negative.") }
        if let timeBudget, !(timeBudget > 0) { throw ValidationError("--time-budget must be a positive number of minutes.") }
        if let stepBudget, stepBudget <= 0 { throw ValidationError("--step-budget must be a positive number of steps.") }
    }

    /// The training and test sets, and the split: CIFAR's files with the paper's validation
    /// images (500 per class for CIFAR-10, 50 for CIFAR-100), or an image folder (no validation
    /// images unless asked; its unlabeled/ images join the unlabeled set), by --labels per class
    /// or --label-file.
    func loadData(showsProgress: Bool) throws -> (data: (train: LabeledImages, test: LabeledImages), split: SemiSupervisedSplit) {
        var splitGenerator = RandomGenerator(seed: seed)
        guard readsImageFolder else {
            if dataset == .svhn {
                let svhn = try SVHN(directory: URL(fileURLWithPath: dataDir), includesExtra: withExtra)
                let split = try SemiSupervisedSplit(
                    svhn.train, labelsPerClass: labelCount / 10, validationPerClass: validationPerClass ?? 100,
                    generator: &splitGenerator)
                return ((svhn.train, svhn.test), split)
            }
            let data: CIFAR
            do {
                data = try CIFAR(url: URL(fileURLWithPath: dataDir), variant: dataset == .cifar10 ? .cifar10 : .cifar100)
            } catch let error as SHOTVAEError where error.reason.contains("missing") {
                throw SHOTVAEError(error.kind, path: dataDir,
                                   "neither CIFAR's binary files (\(error.path.map { $0 + ": " } ?? "")\(error.reason)) nor an image folder (train/<class>/ and test/<class>/)")
            }
            let split = try SemiSupervisedSplit(
                data.train, labelsPerClass: labelCount / data.train.classCount,
                validationPerClass: validationPerClass ?? (dataset == .cifar10 ? 500 : 50), generator: &splitGenerator)
            return ((data.train, data.test), split)
        }
        let folder = try ImageFolder(root: URL(fileURLWithPath: dataDir), channels: 3, size: resize.map { ($0, $0) },
                                     showsProgress: showsProgress)
        let shape = folder.train.images.shape
        guard shape[2] == 32, shape[3] == 32 else {
            throw ValidationError("The images of \(dataDir) are \(shape[3])x\(shape[2]); the CIFAR model reads 32x32: add --resize 32.")
        }
        if let labelFile { return ((folder.train, folder.test), try folder.split(labelFile: URL(fileURLWithPath: labelFile))) }
        let classes = folder.classNames.count
        guard labelCount % classes == 0 else {
            throw ValidationError("--labels must be a multiple of \(classes), the number of class folders in \(dataDir).")
        }
        let split = try folder.split(labelsPerClass: labelCount / classes, validationPerClass: validationPerClass ?? 0,
                                     generator: &splitGenerator)
        return ((folder.train, folder.test), split)
    }

    func run() throws {
        warnIfBuiltForDebugging()
        // Several processes when started by mpirun (see the README, "Training on several machines").
        let communicator = try Launch.communicator()
        let start = Date()
        let (data, split) = try loadData(showsProgress: communicator.rank == 0)
        log("\(readsImageFolder ? "images" : dataset.rawValue) from \(dataDir): \(split.labeled.count) labeled, \(split.unlabeled.count) unlabeled, \(split.validation.count) validation and \(data.test.count) test images, loaded in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")

        var initializer = RandomGenerator(seed: seed &+ 1)
        let model = SemiSupervisedVAE.cifar(widthFactor: network.widthFactor, classCount: data.train.classCount, generator: &initializer)
        let settings = dataset == .cifar100 ? ObjectiveConfiguration.cifar100(epochs: epochCount) : .cifar10(epochs: epochCount)
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
        let paperMilestones = dataset == .cifar100 ? [500, 600, 650] : [400, 500, 550]
        let paperEpochs = dataset == .cifar100 ? 700 : 600
        // The paper's rate drops and its one warm-up epoch at the same places in a run of
        // --epochs: counted in epochs when the drops fall on whole epochs, otherwise in steps
        // (so that a run of a few epochs keeps its three drops apart and warms up for the same
        // share of the run).
        let stepsPerEpoch = split.unlabeled.count / batchSize
        let unit: ScheduleUnit = paperMilestones.allSatisfy { $0 * epochCount % paperEpochs == 0 } ? .epochs : .steps
        let milestones = paperMilestones.map { $0 * epochCount * (unit == .epochs ? 1 : stepsPerEpoch) / paperEpochs }
        let warmup = unit == .epochs ? 1 : max(1, epochCount * stepsPerEpoch / paperEpochs)
        let schedule = WarmupLearningRate(
            warmupRate: 0.02, length: warmup, unit: unit,
            then: MultiStepLearningRate(initial: 0.1, milestones: milestones, factor: 0.1, unit: unit))
        // The labeled loader cycles; with fewer labels than the batch, a labeled batch holds
        // each labeled image once.
        let labeledBatchSize = min(batchSize, split.labeled.count)
        if labeledBatchSize < batchSize {
            log("labeled batches of \(labeledBatchSize): there are only \(split.labeled.count) labeled images")
        }
        let lossFunction: any VariationalObjective = switch objective {
        case .shot: SHOTObjective(configuration: settings)
        case .smoothELBO: SmoothELBOObjective(configuration: settings)
        case .m2: M2Objective(configuration: settings)
        case .supervised: SupervisedObjective(configuration: settings)
        }
        let trainer = Trainer(
            model: model, objective: lossFunction, optimizer: optimizer,
            learningRateSchedule: schedule,
            configuration: TrainingConfiguration(
                epochs: epochCount, timeBudget: timeBudget.map { $0 * 60 }, stepBudget: stepBudget,
                labeledBatchSize: labeledBatchSize,
                unlabeledBatchSize: batchSize, evaluationBatchSize: 500, seed: seed, imageRange: 0...1),
            output: URL(fileURLWithPath: outputFolder),
            runDescription: describe(settings, milestones: milestones, unit: unit, warmup: warmup))
        trainer.augmentation = PadCropFlip(padding: 4, flips: flips)
        log("\(objective.rawValue) objective with \(network.rawValue): \(model.parameterCount) parameters; output in \(outputFolder)\(resume ? " (resuming)" : "")\(communicator.size > 1 ? ", \(communicator.size) processes" : "")")
        trainer.communicator = communicator
        let summary = try trainer.fit(split: split, test: data.test, resume: resume)
        var line = summary.outcome
        if dataset == .cifar100, let top5 = summary.testTop5Error { line += String(format: ", top-5 test error %.2f%%", top5 * 100) }
        log(line)
        log("Wrote \(summary.writtenFiles.map { URL(fileURLWithPath: outputFolder).appendingPathComponent($0).path }.joined(separator: "\n      "))")
        Launch.finish(communicator)
        if summary.stopReason == .interrupted { throw ExitCode(130) }
    }

    var outputFolder: String {
        output ?? "runs/\(dataset.rawValue)-\(objective == .shot ? "" : objective.rawValue + "-")\(labelCount)-\(network.rawValue)-seed\(seed)"
    }

    func describe(_ settings: ObjectiveConfiguration, milestones: [Int], unit: ScheduleUnit, warmup: Int) -> String {
        struct Description: Encodable {
            // The objective is named only when it is not SHOT-VAE, so that runs begun before the
            // option existed resume with the same description.
            var dataset: String, objective: String?, labels: Int, network: String, batchSize: Int, epochs: Int
            // Named only when set, for the same reason.
            var withExtra: Bool?, resize: Int?, labelFile: String?
            var timeBudgetMinutes: Double?
            var stepBudget: Int?
            var seed: UInt64, learningRate: Float, warmupLearningRate: Float, milestones: [Int], momentum: Float
            // Named only when the schedule counts steps, for the same reason.
            var milestoneUnit: ScheduleUnit?, warmupSteps: Int?
            var weightDecay: Float, objectiveConfiguration: ObjectiveConfiguration
        }
        let description = Description(
            dataset: dataset.rawValue, objective: objective == .shot ? nil : objective.rawValue, labels: labelCount, network: network.rawValue, batchSize: batchSize,
            epochs: epochCount, withExtra: withExtra ? true : nil, resize: resize, labelFile: labelFile, timeBudgetMinutes: timeBudget, stepBudget: stepBudget, seed: seed, learningRate: 0.1, warmupLearningRate: 0.02,
            milestones: milestones, momentum: 0.9, milestoneUnit: unit == .steps ? unit : nil, warmupSteps: unit == .steps ? warmup : nil, weightDecay: 5e-4, objectiveConfiguration: settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(description)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Says on standard error that this executable was built without optimisation, if it was
    /// (SwiftPM defines `DEBUG` in debug builds).
    func warnIfBuiltForDebugging() {
        #if DEBUG
        log("warning: shotvae-cifar was built without optimisation (debug); training is a hundred times slower or more. Build with `swift build -c release`, or run `swift run -c release shotvae-cifar ...`.")
        #endif
    }

    /// A line on standard error, from the first process only when mpirun started several.
    func log(_ text: String) {
        guard (ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"] ?? "0") == "0" else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
