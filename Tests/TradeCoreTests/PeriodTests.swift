import Testing
import TradeCore

@Suite struct PeriodTests {
    @Test(arguments: [("2024", "2024"), ("202401", "2024-01"), ("2024-12", "2024-12")])
    func parsesValidPeriods(text: String, expected: String) {
        #expect(Period(text)?.description == expected)
    }

    @Test(arguments: ["202313", "202400", "24", "2024-1", "20x401", "", "2024-01-01"])
    func rejectsImpossiblePeriods(text: String) {
        #expect(Period(text) == nil)
    }

    @Test func monthArithmeticCrossesYears() {
        #expect(Period("2024-11")!.adding(months: 3).description == "2025-02")
        #expect(Period("2024-01")!.adding(months: -1).description == "2023-12")
    }

    @Test func diagnosticsAreOneGrepableLine() {
        let d = Diagnostic("\"12,5x\" in column qty is not a number",
                           at: SourceLocation(file: "Raw/comtrade/2024.csv", line: 1042, column: 17), source: "comtrade")
        #expect(d.description == "Raw/comtrade/2024.csv:1042:17: error: \"12,5x\" in column qty is not a number [source=comtrade]")
    }
}
