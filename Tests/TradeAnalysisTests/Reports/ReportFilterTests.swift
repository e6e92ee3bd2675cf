import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("Report filter")
struct ReportFilterTests {
    typealias F = ReportFixtures

    func ids(_ filter: ReportFilter) -> [Int64] {
        filter.apply(F.input.findings).map(\.id)
    }

    @Test func ranksBySeverityThenScore() {
        // high: new_partner 0.71, conduit 0.5; medium: spike 6.4, mirror 0.59; low: unit value 4.2.
        #expect(ids(.all) == [1, 3, 2, 4, 5])
    }

    @Test func minSeverityDropsLowerFindings() {
        #expect(ids(ReportFilter(minSeverity: .medium)) == [1, 3, 2, 4])
        #expect(ids(ReportFilter(minSeverity: .high)) == [1, 3])
    }

    @Test func detectorsSetKeepsOnlyThoseDetectors() {
        #expect(ids(ReportFilter(detectors: ["mirror_gap", "transshipment_conduit"])) == [3, 4])
        #expect(ids(ReportFilter(detectors: [])) == [])
    }

    @Test(arguments: [
        ("2024-01", [1, 2, 5] as [Int64]),   // conduit ended 2023-12, mirror 2023
        ("2023-12", [1, 3, 2, 4, 5]),        // annual 2023 reaches 2023-12
        ("2024", [1, 2, 5]),                 // an annual `since` starts in January
        ("2024-10", [5]),
    ])
    func sinceKeepsFindingsReachingThePeriod(since: String, expected: [Int64]) {
        #expect(ids(ReportFilter(since: Period(since)!)) == expected)
    }

    @Test func criteriaCombine() {
        #expect(ids(ReportFilter(since: Period("2024-01")!, minSeverity: .medium, detectors: ["volume_spike", "mirror_gap"])) == [2])
        #expect(ReportFilter.all.isUnrestricted)
        #expect(!ReportFilter(minSeverity: .medium).isUnrestricted)
    }
}
