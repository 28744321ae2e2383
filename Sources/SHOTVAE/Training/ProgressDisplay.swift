import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows training progress on standard error: a live bar with steps/s, ETA and the current
/// loss on a terminal, plain periodic lines otherwise (logs, pipes, CI).
final class ProgressDisplay {
    /// Whether standard error is a terminal.
    let isTerminal: Bool
    /// Seconds between plain lines.
    let plainInterval: Double
    private var lastUpdate = -Double.infinity
    private var lastWidth = 0

    init(isTerminal: Bool = isatty(STDERR_FILENO) != 0, plainInterval: Double = 30) {
        self.isTerminal = isTerminal
        self.plainInterval = plainInterval
    }

    /// Reports the state after a step; throttled (10 updates/s on a terminal).
    func update(
        epoch: Int, totalEpochs: Int, stepInEpoch: Int, stepsPerEpoch: Int, stepsPerSecond: Double,
        remainingSeconds: Double?, loss: Float, now: Double
    ) {
        let interval = isTerminal ? 0.1 : plainInterval
        guard now - lastUpdate >= interval || stepInEpoch == stepsPerEpoch else { return }
        lastUpdate = now
        let eta = remainingSeconds.map { " ETA " + ProgressDisplay.duration($0) } ?? ""
        let rate = String(format: "%.1f steps/s", stepsPerSecond)
        let lossText = String(format: "loss %.4g", loss)
        if isTerminal {
            let width = 24
            let filled = stepsPerEpoch == 0 ? 0 : width * stepInEpoch / stepsPerEpoch
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = "epoch \(epoch + 1)/\(totalEpochs) [\(bar)] \(stepInEpoch)/\(stepsPerEpoch) \(rate)\(eta) \(lossText)"
            let padding = String(repeating: " ", count: max(0, lastWidth - line.count))
            lastWidth = line.count
            write("\r" + line + padding)
        } else {
            write("epoch \(epoch + 1)/\(totalEpochs) step \(stepInEpoch)/\(stepsPerEpoch) \(rate)\(eta) \(lossText)\n")
        }
    }

    /// Prints a line that stays (an epoch's summary, a message).
    func line(_ text: String) {
        if isTerminal && lastWidth > 0 {
            write("\r" + String(repeating: " ", count: lastWidth) + "\r")
            lastWidth = 0
        }
        write(text + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `h:mm:ss` or `m:ss`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
