import Foundation

/// One axis of a chart: its extent and tick marks, in axis space (`log10` of the value on a
/// logarithmic axis, the value itself otherwise).
struct ChartAxis {
    /// A tick mark: where it sits in axis space, and its label.
    struct Tick {
        var position: Double
        var label: String
    }

    /// Whether values are placed by their base-10 logarithm.
    let logarithmic: Bool
    /// The start of the axis, in axis space.
    private(set) var lower: Double = 0
    /// The end of the axis, in axis space; greater than `lower`.
    private(set) var upper: Double = 1
    /// The tick marks from `lower` to `upper`.
    private(set) var ticks: [Tick] = []

    /// Chooses an extent that covers `values` and round tick values.
    ///
    /// A linear axis steps by 1, 2 or 5 times a power of ten (Heckbert, "Nice numbers for
    /// graph labels", Graphics Gems, 1990); a logarithmic one by whole decades, with 2 and 5
    /// in between when it spans at most two decades.
    ///
    /// - Parameters:
    ///   - values: The finite values to cover (positive ones on a logarithmic axis).
    ///   - logarithmic: Whether the axis is logarithmic.
    init(values: [Double], logarithmic: Bool) {
        self.logarithmic = logarithmic
        if logarithmic {
            chooseLogarithmic(values.map { log10($0) })
        } else {
            chooseLinear(values)
        }
    }

    /// Where `value` falls along the axis: 0 at the start, 1 at the end.
    func fraction(_ value: Double) -> Double {
        ((logarithmic ? log10(value) : value) - lower) / (upper - lower)
    }

    /// Where a position in axis space falls along the axis: 0 at the start, 1 at the end.
    func fraction(ofPosition position: Double) -> Double {
        (position - lower) / (upper - lower)
    }

    private mutating func chooseLinear(_ values: [Double]) {
        guard var minimum = values.min(), var maximum = values.max() else {
            setLinearTicks(lower: 0, upper: 1, step: 0.2)
            return
        }
        if !(maximum - minimum > 1e-12 * max(abs(minimum), abs(maximum))) {
            let half = minimum == 0 ? 0.5 : abs(minimum) * 0.1
            minimum -= half
            maximum += half
        }
        let span = ChartAxis.niceNumber(maximum - minimum, rounded: false)
        let step = ChartAxis.niceNumber(span / 4, rounded: true)
        let lower = (minimum / step).rounded(.down) * step
        let upper = (maximum / step).rounded(.up) * step
        let count = (upper - lower) / step
        if step > 0 && count.isFinite && count >= 1 && count <= 20 && upper > lower {
            setLinearTicks(lower: lower, upper: upper, step: step)
        } else {
            // Extreme magnitudes: no round ticks, just the ends.
            self.lower = minimum
            self.upper = maximum > minimum ? maximum : minimum + 1
            ticks = [self.lower, self.upper].map { Tick(position: $0, label: String(format: "%.4g", $0)) }
        }
    }

    private mutating func setLinearTicks(lower: Double, upper: Double, step: Double) {
        self.lower = lower
        self.upper = upper
        let count = Int(((upper - lower) / step).rounded())
        let largest = max(abs(lower), abs(upper))
        let stepExponent = Int(log10(step).rounded(.down))
        ticks = (0...count).map { index in
            var value = lower + Double(index) * step
            if abs(value) < step * 1e-9 { value = 0 }
            let label: String
            if largest >= 1e6 || step < 1e-4 {
                let digits = min(15, max(1, Int(log10(largest).rounded(.down)) - stepExponent + 1))
                label = String(format: "%.\(digits)g", value)
            } else {
                label = String(format: "%.\(max(0, -stepExponent))f", value)
            }
            return Tick(position: value, label: label)
        }
    }

    private mutating func chooseLogarithmic(_ exponents: [Double]) {
        guard var minimum = exponents.min(), var maximum = exponents.max() else {
            lower = 0
            upper = 1
            ticks = [0, 1].map { Tick(position: Double($0), label: ChartAxis.powerLabel(1, $0)) }
            return
        }
        if !(maximum - minimum > 1e-9) {
            minimum -= 0.5
            maximum += 0.5
        }
        let first = Int(minimum.rounded(.down))
        var last = Int(maximum.rounded(.up))
        if last <= first { last = first + 1 }
        let decades = last - first
        if decades <= 2 {
            ticks = (first..<last).flatMap { exponent in
                [1, 2, 5].map {
                    Tick(
                        position: Double(exponent) + log10(Double($0)),
                        label: ChartAxis.powerLabel($0, exponent))
                }
            }
        } else {
            let stride = (decades + 5) / 6
            last = first + (decades + stride - 1) / stride * stride
            ticks = Swift.stride(from: first, to: last, by: stride).map {
                Tick(position: Double($0), label: ChartAxis.powerLabel(1, $0))
            }
        }
        ticks.append(Tick(position: Double(last), label: ChartAxis.powerLabel(1, last)))
        lower = Double(first)
        upper = Double(last)
    }

    /// The label of `mantissa * 10^exponent`: a plain decimal near 1, `2e-5` style otherwise.
    static func powerLabel(_ mantissa: Int, _ exponent: Int) -> String {
        if (-3...4).contains(exponent) {
            return String(format: "%.\(max(0, -exponent))f", Double(mantissa) * pow(10, Double(exponent)))
        }
        return "\(mantissa)e\(exponent)"
    }

    /// The number 1, 2, 5 or 10 times a power of ten nearest to (`rounded`) or at least
    /// (otherwise) `value`.
    static func niceNumber(_ value: Double, rounded: Bool) -> Double {
        let exponent = log10(value).rounded(.down)
        let power = pow(10, exponent)
        let fraction = value / power
        let nice: Double
        if rounded {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }
}
