import Foundation
import SHOTVAE

/// A training step divided among the processes `mpirun` started, timed in its parts: each
/// process computes its rows of the step's batches, the gradients are summed over the
/// processes, and the optimizer updates. Steps alternate between the two ways of summing:
///
/// - *blocking*: one allreduce of all the gradients after the backward passes
///   (``GradientSum``), whose time is the communication a step would wait for without overlap;
/// - *overlapped*: the trainer's ``GradientBuckets``, started during the last backward pass;
///   what remains of the communication after the pass is the exposed part.
///
/// Each figure is the median over the steps of the slowest process's time.
struct DividedStep {
    let communicator: any Communicator
    let model: SemiSupervisedVAE
    let objective: any VariationalObjective
    let optimizer: any Optimizer

    /// Medians in seconds, of the slowest process at each step.
    struct Report {
        /// Forward and backward passes, blocking steps.
        var compute: Double
        /// The one allreduce after the backward passes, blocking steps.
        var communication: Double
        /// The whole blocking step, update included.
        var blockingStep: Double
        /// Forward and backward passes with the buckets' reductions started during them.
        var overlappedCompute: Double
        /// The wait for the buckets after the backward pass (and the copies back).
        var exposedCommunication: Double
        /// The whole overlapped step, update included.
        var overlappedStep: Double
        /// The number of buckets.
        var bucketCount: Int
        /// The median fraction of the last backward pass run when the first bucket started.
        var firstBucketStart: Double

        /// The share of the blocking communication that the overlap hid.
        var hiddenFraction: Double { max(0, min(1, 1 - exposedCommunication / max(communication, 1e-12))) }

        /// The report's figures under the bench's JSON keys.
        var json: [String: Any] {
            [
                "compute_ms": compute * 1e3, "communication_ms": communication * 1e3,
                "blocking_median_ms": blockingStep * 1e3, "overlapped_compute_ms": overlappedCompute * 1e3,
                "exposed_communication_ms": exposedCommunication * 1e3, "median_ms": overlappedStep * 1e3,
                "communication_hidden_fraction": hiddenFraction, "bucket_count": bucketCount,
                "first_bucket_start_fraction": firstBucketStart,
            ]
        }

        /// The report in words.
        func text(_ workload: String, processes: Int, steps: Int) -> String {
            String(format: """
                %@ on %d processes, median of %d steps each way (slowest process):
                  blocking:   %.2f ms per step = compute %.2f ms + gradient allreduce %.2f ms + update
                  overlapped: %.2f ms per step = compute %.2f ms (%d buckets, the first started at %.0f%% of the last backward pass) + exposed communication %.2f ms + update
                  %.0f%% of the allreduce hidden behind the backward pass
                """, workload, processes, steps, blockingStep * 1e3, compute * 1e3, communication * 1e3,
                overlappedStep * 1e3, overlappedCompute * 1e3, bucketCount, firstBucketStart * 100,
                exposedCommunication * 1e3, hiddenFraction * 100)
        }
    }

    /// Measures (``measure(pool:steps:)``) and prints the report from process 0: in words, or
    /// as one JSON object with the workload's name, the number of processes and steps, and
    /// `fields` added.
    func run(
        _ workload: String, pool: [(labeled: LabeledBatch, unlabeled: Tensor)], steps: Int, json: Bool,
        fields: (Report) -> [String: Any]
    ) throws {
        let report = measure(pool: pool, steps: steps)
        guard communicator.rank == 0 else { return }
        guard json else {
            print(report.text(workload, processes: communicator.size, steps: steps))
            return
        }
        var object = report.json.merging(fields(report)) { _, field in field }
        object["workload"] = workload
        object["processes"] = communicator.size
        object["steps"] = steps
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Runs `2 · steps` timed steps (after two warm-up steps of each kind), alternating
    /// blocking and overlapped, on the batches of `pool` in turn.
    func measure(pool: [(labeled: LabeledBatch, unlabeled: Tensor)], steps: Int) -> Report {
        let gradientSum = GradientSum()
        let buckets = GradientBuckets(parameters: optimizer.parameters, communicator: communicator)
        // Per step: compute, communication, whole step, first bucket's start (overlapped only).
        var blocking: [[Double]] = [[], [], []]
        var overlapped: [[Double]] = [[], [], []]
        var firstStarts: [Double] = []
        for step in 0..<(2 * steps + 4) {
            let overlaps = step % 2 == 1
            let (labeled, unlabeled) = pool[(step / 2) % pool.count]
            let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: UInt64(step / 2)))
            let shard = BatchShard(communicator: communicator, wholeLabeled: labeled, wholeUnlabeled: unlabeled)
            context.shard = shard
            if overlaps { context.gradientBuckets = buckets }
            let progress = TrainingProgress(epoch: 0, step: step / 2, totalEpochs: 1)
            communicator.barrier()
            let start = DispatchTime.now().uptimeNanoseconds
            _ = objective.accumulateGradients(
                model: model, labeled: shard.ownLabeled(), unlabeled: shard.ownUnlabeled(), progress: progress,
                context: context)
            let computed = DispatchTime.now().uptimeNanoseconds
            if overlaps { buckets.finish() } else { gradientSum(optimizer.parameters, communicator: communicator) }
            let summed = DispatchTime.now().uptimeNanoseconds
            optimizer.step()
            optimizer.zeroGradients()
            let end = DispatchTime.now().uptimeNanoseconds
            guard step >= 4 else { continue }  // two warm-ups of each kind
            let parts = [computed - start, summed - computed, end - start].map { Double($0) * 1e-9 }
            for (i, part) in parts.enumerated() {
                if overlaps { overlapped[i].append(part) } else { blocking[i].append(part) }
            }
            if overlaps { firstStarts.append(buckets.lastStartFractions.first ?? 1) }
        }
        let slowest = slowestProcess(blocking + overlapped)
        let medians = slowest.map { Stopwatch.Summary(samples: $0).median }
        return Report(
            compute: medians[0], communication: medians[1], blockingStep: medians[2], overlappedCompute: medians[3],
            exposedCommunication: medians[4], overlappedStep: medians[5], bucketCount: buckets.count,
            firstBucketStart: Stopwatch.Summary(samples: firstStarts).median)
    }

    /// Each series' samples, step by step, as the largest over the processes.
    func slowestProcess(_ series: [[Double]]) -> [[Double]] {
        let flat = series.flatMap { $0 }
        var gathered = [Double](repeating: 0, count: flat.count * communicator.size)
        for (i, value) in flat.enumerated() { gathered[communicator.rank * flat.count + i] = value }
        gathered.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
        var offset = 0
        return series.map { samples in
            defer { offset += samples.count }
            return samples.indices.map { i in
                (0..<communicator.size).map { gathered[$0 * flat.count + offset + i] }.max()!
            }
        }
    }
}
