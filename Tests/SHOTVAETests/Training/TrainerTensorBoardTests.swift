import Foundation
import Testing

@testable import SHOTVAE

extension TrainerTests {
    /// The interpreter of the virtual environment that `make test` makes with TensorBoard in
    /// it (Makefile: `test-deps`).
    static let tensorBoardPython = packageRoot.appendingPathComponent(".build/tensorboard/bin/python")

    /// What TensorBoard's own reader (`EventAccumulator`, through Fixtures/read_tensorboard.py)
    /// finds in `folder`: scalars and image sizes by tag.
    func readWithTensorBoard(_ folder: URL) throws -> (scalars: [String: [[Double]]], images: [String: [[Int]]]) {
        let python = Self.tensorBoardPython
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            let environment = python.deletingLastPathComponent().deletingLastPathComponent().path
            Issue.record("TensorBoard's reader is missing: `make test-deps` (which make test runs) installs it into \(environment)")
            return ([:], [:])
        }
        let data = try runFixtureScript("read_tensorboard.py", [folder.path], interpreter: python, needs: "tensorboard (make test-deps)")
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let scalars = (object["scalars"] as? [String: [[Double]]]) ?? [:]
        let images = (object["images"] as? [String: [[Int]]]) ?? [:]
        return (scalars, images)
    }

    /// A run stopped by its step budget in its second epoch and resumed to its end: TensorBoard
    /// reads one event file with every term of `metrics.jsonl` at each epoch's end, the main
    /// terms every ``Trainer/tensorBoardInterval`` steps, the pictures at their sizes, and
    /// steps that only increase.
    @Test func tensorBoardReaderReadsTheRun() throws {
        let folder = scratch.file("tensorboard")
        let first = makeTrainer(seed: 11, epochs: 3, output: folder, stepBudget: 50)  // 40 steps an epoch
        first.tensorBoardInterval = 4
        #expect(try first.fit(split: try split(seed: 11), test: Self.data.test).steps == 50)
        let second = makeTrainer(seed: 11, epochs: 3, output: folder)
        second.tensorBoardInterval = 4
        let summary = try second.fit(split: try split(seed: 11), test: Self.data.test, resume: true)
        #expect(summary.steps == 120)
        let files = try EventFile.eventFiles(in: folder)
        #expect(files.count == 1 && summary.writtenFiles.contains(files.first?.lastPathComponent ?? "none"))

        let (scalars, images) = try readWithTensorBoard(folder)
        let records = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(records.map { $0["step"] as? Int } == [40, 80, 120])

        // Every term of the epoch records, at the epoch's last step (and at step 50, where the
        // budget cut epoch 2 short before the resumed run finished it).
        let termNames = records[0].keys.filter {
            !["epoch", "step", "epoch_steps", "seconds", "learning_rate", "test_error", "test_top5_error", "per_class_accuracy"].contains($0)
        }
        #expect(termNames.contains("total") && termNames.contains("unlabeled.classification"))
        var expected: [String: [(step: Int, value: Double)]] = [:]
        for record in records {
            let step = record["step"] as! Int
            for name in termNames { expected["epoch/" + name, default: []].append((step, record[name] as! Double)) }
            expected["epoch/learning_rate", default: []].append((step, record["learning_rate"] as! Double))
            expected["evaluation/test_error", default: []].append((step, record["test_error"] as! Double))
            expected["evaluation/test_top5_error", default: []].append((step, record["test_top5_error"] as! Double))
        }
        for (tag, points) in expected {
            let read = (scalars[tag] ?? []).filter { Int($0[0]) != 50 }
            #expect(read.map { Int($0[0]) } == points.map(\.step), "steps of \(tag)")
            for (value, point) in zip(read.map { $0[1] }, points) {
                #expect(abs(value - point.value) <= 1e-6 * max(1, abs(point.value)), "\(tag) at step \(point.step)")
            }
            #expect(scalars[tag]?.contains { Int($0[0]) == 50 } == true, "\(tag) at the budget's stop")
        }
        for tag in ["train/total", "train/labeled.loss", "train/unlabeled.loss", "train/learning_rate"] {
            #expect(scalars[tag]?.map { Int($0[0]) } == Array(stride(from: 4, through: 120, by: 4)), "steps of \(tag)")
        }
        #expect(scalars["train/learning_rate"]?.allSatisfy { abs($0[1] - 1e-3) < 1e-9 } == true)
        #expect(Set(scalars.keys) == Set(expected.keys).union(["train/total", "train/labeled.loss", "train/unlabeled.loss", "train/learning_rate"]))

        // The pictures, at their sizes in the PNG files.
        for name in ["reconstructions", "samples"] {
            let png = Array(try Data(contentsOf: folder.appendingPathComponent(name + ".png")))
            guard case let .image(_, width, height, _)? = SummaryEvent.imageKind(png: png) else {
                Issue.record("\(name).png is not a PNG file")
                continue
            }
            #expect(images["pictures/" + name] == [[40, width, height], [50, width, height], [80, width, height], [120, width, height]])
        }
    }
}
