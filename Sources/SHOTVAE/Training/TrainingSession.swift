import Foundation

/// One call of ``Trainer/fit(split:test:resume:report:)``: its clock, progress display,
/// Ctrl-C monitor and the files it wrote.
final class TrainingSession {
    let display = ProgressDisplay()
    let interrupt: InterruptMonitor
    let showsProgress: Bool
    /// Wall seconds the run had trained before this call (across resumptions).
    let elapsedBefore: Double
    private let start = Date()
    /// Steps taken in this call.
    var steps = 0
    /// The files of the output folder written in this call, in the order first written.
    private(set) var writtenFiles: [String] = []

    /// Starts the session's clock and its interrupt monitor, which also takes the launcher's
    /// notice (`notice`) as a Ctrl-C.
    init(elapsedBefore: Double, showsProgress: Bool, notice: InterruptNotice? = nil, speaks: Bool = true) {
        self.elapsedBefore = elapsedBefore
        self.showsProgress = showsProgress
        interrupt = InterruptMonitor(notice: notice?.signal, speaks: speaks)
    }

    /// Wall seconds of the whole run so far.
    func elapsed() -> Double { elapsedBefore + Date().timeIntervalSince(start) }

    func wrote(_ names: String...) { wrote(names) }

    func wrote(_ names: [String]) {
        for name in names where !writtenFiles.contains(name) { writtenFiles.append(name) }
    }

    /// A line on the console, when progress is shown.
    func line(_ text: String) {
        if showsProgress { display.line(text) }
    }

    /// The progress bar after a step: the epoch, the rate of this call and the time left.
    func showProgress(_ run: RunState, totalEpochs: Int, timeBudget: Double?, loss: Float) {
        guard showsProgress else { return }
        let now = elapsed()
        let rate = Double(steps) / max(Date().timeIntervalSince(start), 1e-9)
        let remainingSteps = (totalEpochs - run.epoch) * run.stepsPerEpoch - run.stepInEpoch
        var remaining = Double(remainingSteps) / max(rate, 1e-9)
        if let timeBudget { remaining = min(remaining, max(0, timeBudget - now)) }
        display.update(
            epoch: run.epoch, totalEpochs: totalEpochs, stepInEpoch: run.stepInEpoch, stepsPerEpoch: run.stepsPerEpoch,
            stepsPerSecond: rate, remainingSeconds: remaining, loss: loss, now: now)
    }
}
