import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Repeated timing with warm-up, reporting the median.
struct Stopwatch {
    /// Seconds of timed work to aim for per case.
    var targetSeconds: Double = 0.5
    /// The fewest timed repetitions.
    var minimumRepetitions = 5
    /// The most timed repetitions.
    var maximumRepetitions = 200

    /// The median seconds of `work`, after warm-up; `prepare` runs untimed before each call.
    func median(prepare: () -> Void = {}, _ work: () -> Void) -> Summary {
        // Warm-up: at least two calls and 0.1 s.
        var elapsed = 0.0
        var single = 0.0
        var warmups = 0
        while warmups < 2 || elapsed < 0.1 {
            prepare()
            single = Self.time(work)
            elapsed += single
            warmups += 1
        }
        let repetitions = min(maximumRepetitions, max(minimumRepetitions, Int(targetSeconds / max(single, 1e-9))))
        var samples: [Double] = []
        samples.reserveCapacity(repetitions)
        for _ in 0..<repetitions {
            prepare()
            samples.append(Self.time(work))
        }
        return Summary(samples: samples)
    }

    /// Seconds taken by one call of `work`.
    static func time(_ work: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        work()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    /// Timing samples and their order statistics.
    struct Summary {
        let samples: [Double]
        var sorted: [Double] { samples.sorted() }
        var median: Double {
            let s = sorted
            return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
        }
        /// The 10th and 90th percentiles.
        var spread: (low: Double, high: Double) {
            let s = sorted
            return (s[s.count / 10], s[(s.count * 9) / 10])
        }
    }
}

/// The peak resident memory of this process so far, in MiB.
func peakResidentMebibytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
}

/// The current resident memory of this process, in MiB (from /proc/self/statm).
func residentMebibytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return .nan }
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? .nan
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}
