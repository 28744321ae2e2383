/// Where a model's parameters and buffers lie in a weights file that names them otherwise (a
/// PyTorch model's `state_dict`, say), for ``Layer/loadWeights(from:mapping:strict:source:)`` and
/// ``Layer/exportedWeights(mapping:)``.
///
/// For each dotted name of the model (`encoder.blocks.0.conv1.weight`), the mapping gives the
/// name in the file and the factor that turns the model's values into the file's: 1 for the
/// same parameterization, 2 for a head that gives `log σ²` where the model's gives `log σ`.
///
/// ```swift
/// var rng = RandomGenerator(seed: 1)
/// let model = SemiSupervisedVAE.mnist(generator: &rng)
/// try model.loadWeights(from: SafeTensors(contentsOf: URL(fileURLWithPath: "torch_mnist.safetensors")),
///                       mapping: .pytorchMNIST)
/// ```
public struct WeightNameMapping: Sendable {
    /// The file's name for a model name and the factor of its values there; `nil` when the
    /// file does not have it.
    public var fileName: @Sendable (String) -> (name: String, scale: Float)?
    /// Whether the file's batch norms also count their batches, as PyTorch's do
    /// (`num_batches_tracked`, an `I64` scalar beside each `running_mean`): loading skips these
    /// counters (the model keeps none), exporting writes them as 0, so that PyTorch's strict
    /// `load_state_dict` accepts the file.
    public var countsBatchNormBatches: Bool

    /// Creates a mapping.
    ///
    /// - Parameters:
    ///   - countsBatchNormBatches: Whether the file has PyTorch's batch counters.
    ///   - fileName: The file's name and value factor for a model name, or `nil`.
    public init(countsBatchNormBatches: Bool = false,
                fileName: @escaping @Sendable (String) -> (name: String, scale: Float)?) {
        self.countsBatchNormBatches = countsBatchNormBatches
        self.fileName = fileName
    }

    /// The model's own names (SHOTVAE's checkpoints), values as they are.
    public static let identity = WeightNameMapping { ($0, 1) }

    /// The suffix of PyTorch's batch counters.
    static let batchCounterSuffix = ".num_batches_tracked"

    /// ``SemiSupervisedVAE/mnist(latentCount:classCount:meanPixel:generator:)`` and the PyTorch
    /// reference model of `Benchmarks/peers/torch_mnist_vae.py` (`MnistSemiVAE`): its encoder
    /// `enc_conv`, `enc_fc`, its heads `head_mean`, `head_logvar` (log σ², twice this model's
    /// log σ) and `head_class`, its decoder `dec_fc`, `dec_conv`.
    public static let pytorchMNIST = WeightNameMapping { name in
        let renamed: [(String, String)] = [
            ("encoder.0.", "enc_conv.0."), ("encoder.2.", "enc_conv.2."), ("encoder.4.", "enc_conv.4."),
            ("encoder.7.", "enc_fc.0."), ("continuousHead.mean.", "head_mean."), ("continuousHead.logSigma.", "head_logvar."),
            ("discreteHead.logits.", "head_class."), ("decoder.0.", "dec_fc.0."), ("decoder.2.", "dec_fc.2."),
            ("decoder.5.", "dec_conv.0."), ("decoder.7.", "dec_conv.2."), ("decoder.9.", "dec_conv.4."),
        ]
        for (prefix, replacement) in renamed where name.hasPrefix(prefix) {
            return (replacement + name.dropFirst(prefix.count), prefix == "continuousHead.logSigma." ? 2 : 1)
        }
        return nil
    }

    /// ``SemiSupervisedVAE/cifar(widthFactor:latentCount:classCount:generator:)`` (depth 28) and
    /// the PyTorch reference model of `Benchmarks/peers/torch_shot_wrn.py` (`ShotVAE`): the WideResNet
    /// `encoder.net` (stem, one `PreActUnit` per block with `pre1.0`, `conv1`, `pre2.0`,
    /// `conv2`, `pre_sc.0`, `conv_sc`, then the final batch norm), the heads `head_mean`,
    /// `head_log_sigma`, `head_class.0`, and the DCGAN `decoder.net` (this model's decoder
    /// starts with a reshape, so its layer `k` is the reference's `k - 1`). With PyTorch's
    /// batch counters.
    public static let pytorchWideResNet = WeightNameMapping(countsBatchNormBatches: true) { name in
        let parts = name.split(separator: ".").map(String.init)
        let tail = { (count: Int) in parts.suffix(count).joined(separator: ".") }
        switch parts.first {
        case "encoder":
            switch parts.count > 1 ? parts[1] : "" {
            case "stem": return ("encoder.net.0." + tail(parts.count - 2), 1)
            // WideResNet-28: the stem, twelve blocks, then the final batch norm.
            case "finalNorm": return ("encoder.net.13." + tail(parts.count - 2), 1)
            case "blocks":
                guard parts.count > 4, let block = Int(parts[2]) else { return nil }
                let layer = ["pre1": "pre1.0", "conv1": "conv1", "pre2": "pre2.0", "conv2": "conv2",
                             "preShortcut": "pre_sc.0", "convShortcut": "conv_sc"][parts[3]]
                return layer.map { ("encoder.net.\(block + 1).\($0)." + tail(parts.count - 4), 1) }
            default: return nil
            }
        case "continuousHead":
            guard parts.count == 3 else { return nil }
            return (parts[1] == "mean" ? "head_mean." + parts[2] : "head_log_sigma." + parts[2], 1)
        case "discreteHead":
            return parts.count == 3 ? ("head_class.0." + parts[2], 1) : nil
        case "decoder":
            guard parts.count == 3, let index = Int(parts[1]), index > 0 else { return nil }
            return ("decoder.net.\(index - 1).\(parts[2])", 1)
        default:
            return nil
        }
    }
}
