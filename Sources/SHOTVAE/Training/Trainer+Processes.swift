import Foundation

/// A run spread over several processes (``Trainer/communicator``): the checks at its start
/// and the decisions every process must take alike.
extension Trainer {
    /// Whether this process keeps the run's records: process 0.
    var keepsRecords: Bool { communicator.rank == 0 }

    /// Refuses a run that cannot be spread over the processes: an objective that cannot
    /// compute a share of a step, a model with a layer that cannot, a batch smaller
    /// than the number of processes, or processes started with different options, seeds or
    /// data.
    func checkProcesses(split: SemiSupervisedSplit, test: LabeledImages) throws {
        let processes = communicator.size
        guard processes > 1 else { return }
        guard objective.supportsDividedBatches else {
            throw SHOTVAEError(.invalidArgument, "the objective \(type(of: objective)) cannot divide a step's batch among \(processes) processes (supportsDividedBatches is false)")
        }
        guard model.supportsDividedBatches else {
            throw SHOTVAEError(.invalidArgument, "the model has a layer that mixes the examples of its batch without combining them across processes (supportsDividedBatches is false): a step divided among \(processes) processes would differ from the whole batch's; train this model in one process")
        }
        for (name, size) in [("labeled", configuration.labeledBatchSize), ("unlabeled", configuration.unlabeledBatchSize)]
        where size < processes && (name == "labeled" || objective.usesUnlabeledData) {
            throw SHOTVAEError(.invalidArgument, "a \(name) batch of \(size) cannot give each of \(processes) processes an example; use a batch of at least \(processes)")
        }
        let items: [(name: String, hash: UInt64)] = [
            ("options", Self.fingerprint(Array(runDescription.utf8))),
            ("seed", configuration.seed),
            ("batch sizes", UInt64(configuration.labeledBatchSize) << 32 | UInt64(configuration.unlabeledBatchSize)),
            ("labeled images", Self.fingerprint(split.labeled)),
            ("unlabeled images", Self.fingerprint(split.unlabeled.images)),
            ("test images", Self.fingerprint(test)),
            ("model", Self.fingerprint(model.parameters.map(\.shape).flatMap { $0 + [-1] }.map { UInt8(truncatingIfNeeded: $0) })),
        ]
        // Each process writes its fingerprints, in 32-bit halves (exact in a double), into its
        // own slots; the sum gives every process all of them.
        var slots = [Double](repeating: 0, count: processes * items.count * 2)
        for (i, item) in items.enumerated() {
            let base = (communicator.rank * items.count + i) * 2
            slots[base] = Double(item.hash >> 32)
            slots[base + 1] = Double(item.hash & 0xFFFF_FFFF)
        }
        slots.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
        for rank in 1..<processes {
            let differing = items.indices.filter { i in
                let a = i * 2, b = (rank * items.count + i) * 2
                return slots[a] != slots[b] || slots[a + 1] != slots[b + 1]
            }
            guard differing.isEmpty else {
                throw SHOTVAEError(.mismatch, "process \(rank) was started with other \(differing.map { items[$0].name }.joined(separator: ", ")) than process 0; every process of a run needs the same options, seed and data")
            }
        }
    }

    /// Makes every process start from process 0's parameters and buffers.
    func broadcastModel() {
        guard communicator.size > 1 else { return }
        for parameter in model.parameters {
            parameter.variable.value.withUnsafeMutableBufferPointer { communicator.broadcast(UnsafeMutableRawBufferPointer($0), from: 0) }
        }
        for (_, buffer) in model.namedBuffers {
            buffer.value.withUnsafeMutableBufferPointer { communicator.broadcast(UnsafeMutableRawBufferPointer($0), from: 0) }
        }
    }

    /// Whether any process asks to stop after this step: Ctrl-C, or its clock past the time
    /// budget. Every process gets the same answer.
    func agreedStopRequests(interrupted: Bool, outOfTime: Bool) -> (interrupted: Bool, outOfTime: Bool) {
        guard communicator.size > 1 else { return (interrupted, outOfTime) }
        var flags: [Double] = [interrupted ? 1 : 0, outOfTime ? 1 : 0]
        flags.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
        return (flags[0] > 0, flags[1] > 0)
    }

    /// Says once, on the console, when the launcher would kill the processes before a step
    /// and its checkpoint could finish after a Ctrl-C (``Communicator/interruptNotice``): the
    /// processes have until the launcher's second signal after its notice, twice the notice's
    /// delay, and a step needs about `stepSeconds` and the checkpoint more.
    func adviseOnInterrupts(stepSeconds: Double, session: TrainingSession) {
        guard let notice = communicator.interruptNotice, keepsRecords,
              2 * notice.secondsBeforeTermination < 2 * stepSeconds + 5 else { return }
        let suggested = Int(stepSeconds.rounded(.up)) + 10
        session.line(String(
            format: "Note: a step takes %.1f s, and after a Ctrl-C the launcher kills the processes %.0f s later, which may cut a step short (the checkpoint then holds the last finished step). To let Ctrl-C finish the step and write a checkpoint, %@ (for example %d).",
            stepSeconds, 2 * notice.secondsBeforeTermination, notice.howToExtend, suggested))
    }

    /// FNV-1a over bytes.
    static func fingerprint(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// A fingerprint of a tensor's shape and elements (FNV-1a over the elements' bits).
    static func fingerprint(_ tensor: Tensor) -> UInt64 {
        var hash = fingerprint(tensor.shape.map { UInt8(truncatingIfNeeded: $0) })
        tensor.withUnsafeBufferPointer { values in
            for value in values { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        }
        return hash
    }

    /// A fingerprint of labeled images: the images, then the labels.
    static func fingerprint(_ set: LabeledImages) -> UInt64 {
        var hash = fingerprint(set.images)
        for label in set.labels { hash = (hash ^ UInt64(truncatingIfNeeded: label)) &* 0x100_0000_01b3 }
        return hash
    }
}
