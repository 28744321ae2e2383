import Testing

@testable import SHOTVAE

@Suite struct ChartAxisTests {
    @Test func niceTicksAreRoundNumbersCoveringTheData() {
        let unit = ChartAxis(values: [0, 0.93], logarithmic: false)
        #expect(unit.ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let hundreds = ChartAxis(values: [3, 147], logarithmic: false)
        #expect(hundreds.ticks.map(\.label) == ["0", "50", "100", "150"])
        #expect(hundreds.lower == 0 && hundreds.upper == 150)
        let negative = ChartAxis(values: [-0.35, 0.12], logarithmic: false)
        #expect(negative.ticks.map(\.label) == ["-0.4", "-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2"])
        let decades = ChartAxis(values: [1e-6, 3e2], logarithmic: true)
        // Nine decades: every second one is labeled, and the axis ends on a labeled decade.
        #expect(decades.ticks.map(\.label) == ["1e-6", "1e-4", "0.01", "1", "100", "10000"])
        #expect(decades.lower == -6 && decades.upper == 4)
        let narrow = ChartAxis(values: [0.3, 0.5], logarithmic: true)
        #expect(narrow.ticks.map(\.label) == ["0.1", "0.2", "0.5", "1"])
        let constant = ChartAxis(values: [2, 2, 2], logarithmic: false)
        #expect(constant.lower < 2 && constant.upper > 2 && constant.ticks.count >= 2)
    }
}
