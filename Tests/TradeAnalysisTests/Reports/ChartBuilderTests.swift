import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("Report charts")
struct ChartBuilderTests {
    typealias F = ReportFixtures

    func values(_ s: ChartSeries) -> [String: Double?] {
        Dictionary(uniqueKeysWithValues: s.points.map { ($0.period, $0.value) })
    }

    @Test func flowFindingChartsReporterToPartnerAndTotalWithThreeYearsOfContext() throws {
        let charts = ChartBuilder.series(for: F.newPartner, trade: F.trade)
        try #require(charts.count == 2)
        let (partner, total) = (charts[0], charts[1])
        #expect(partner.role == .observed && total.role == .context)
        #expect(partner.label.contains("CHN → TUR") && partner.label.contains("HS 28469015"))
        #expect(partner.unit == .tonnes)
        #expect(partner.points.first?.period == "2021-03")   // 36 months before 2024-03
        #expect(partner.points.last?.period == "2024-12")    // data ends before periodEnd + 12
        #expect(partner.points.map(\.period) == total.points.map(\.period))
        let v = values(partner)
        #expect(v["2023-01"] == .some(0))                     // CHN reported that month, nothing to TUR
        #expect(v["2024-06"] == .some(31))
        // All partners in 2024-06: TUR 31 + SGP 11 + JPN (0.4 + 53 % 5 × 0.1); USA only every 4th month.
        let jpn = 0.4 + Double((4 * 12 + 5) % 5) * 0.1
        #expect(abs((values(total)["2024-06"]!)! - (31 + 11 + jpn)) < 1e-9)
    }

    @Test func periodsTheDeclarerDidNotReportAreGapsNotZeros() {
        var trade = F.trade.filter { !($0.reporter == "CHN" && $0.period == Period("2023-05")!) }
        trade.append(F.row(Period("2023-06")!, "CHN", "JPN", .export, "99999999", tonnes: 1))
        let chart = ChartBuilder.series(for: F.newPartner, trade: trade)[0]
        #expect(values(chart)["2023-05"] == .some(nil))
        #expect(values(chart)["2023-06"] == .some(0))
    }

    @Test func mirrorGapComparesBothDeclarationsAtTheSharedPrefix() throws {
        let charts = ChartBuilder.series(for: F.mirror, trade: F.trade)
        try #require(charts.count == 2)
        #expect(charts[0].role == .observed && charts[1].role == .secondLeg)
        #expect(charts.allSatisfy { $0.label.contains("HS 280530") })
        #expect(charts[0].label.contains("declared by CHN") && charts[1].label.contains("declared by JPN"))
        #expect(charts[0].points.first?.period == "2019")    // 3 years before 2022
        // CHN's two 8-digit lines under 280530 are summed (KOR rows excluded); JPN's 6-digit heading as is.
        #expect(values(charts[0])["2023"] == .some(1000))
        #expect(values(charts[1])["2023"] == .some(1590))
    }

    @Test func conduitShowsBothLegsOnOneAxis() throws {
        let charts = ChartBuilder.series(for: F.conduit, trade: F.trade)
        try #require(charts.count == 2)
        #expect(charts[0].label.hasPrefix("Leg 1: CHN → MYS (MYS imports)"))
        #expect(charts[1].label.hasPrefix("Leg 2: MYS → USA (MYS exports)"))
        #expect(charts[0].points.map(\.period) == charts[1].points.map(\.period))
        #expect(charts[0].points.first?.period == "2020-07")
        #expect(values(charts[0])["2023-07"] == .some(38))
        #expect(values(charts[1])["2023-07"] == .some(0.8))
    }

    @Test func conduitFallsBackToTheOriginsExportsWhenTheViaDeclaredNoImports() throws {
        let trade = F.trade.filter { !($0.reporter == "MYS" && $0.flow == .import) }
        let charts = ChartBuilder.series(for: F.conduit, trade: trade)
        try #require(charts.count == 2)
        #expect(charts[0].label.hasPrefix("Leg 1: CHN → MYS (CHN exports)"))
        #expect(values(charts[0])["2023-08"] == .some(35))
    }

    @Test func findingWithoutTradeRowsHasNoSeries() {
        #expect(ChartBuilder.series(for: F.unitValue, trade: F.trade).isEmpty)
        #expect(ChartBuilder.series(for: F.newPartner, trade: []).isEmpty)
    }

    @Test func quantitylessRowsFallBackToUSD() throws {
        let trade = F.trade.map { row -> TradeRow in var r = row; r.quantityKg = nil; return r }
        let charts = ChartBuilder.series(for: F.newPartner, trade: trade)
        try #require(!charts.isEmpty)
        #expect(charts.allSatisfy { $0.unit == .usd })
        #expect(values(charts[0])["2024-06"] == .some(31 * 1000 * 30))
    }

    // MARK: Baseline band from evidence

    func band(_ evidence: JSONValue, anomaly: Anomaly = ReportFixtures.spike) -> BaselineBand? {
        var a = anomaly
        a.evidence = evidence
        return ChartBuilder.baselineBand(for: a, charts: ChartBuilder.series(for: a, trade: F.trade))
    }

    /// Bands equal to within rounding (unit conversion multiplies by 0.001).
    func approx(_ a: BaselineBand?, _ b: BaselineBand) -> Bool {
        guard let a else { return false }
        let close = { (x: Double, y: Double) in abs(x - y) < 1e-9 }
        let centers = (a.center == nil && b.center == nil) || (a.center.map { c in b.center.map { close(c, $0) } ?? false } ?? false)
        return close(a.low, b.low) && close(a.high, b.high) && centers
    }

    @Test func bandFromExplicitBoundsWithUnitSuffix() {
        #expect(approx(band(["baseline_low_kg": 500, "baseline_high_kg": 1500]), BaselineBand(low: 0.5, high: 1.5)))
        #expect(approx(band(["baseline_low_t": 0.5, "baseline_high_t": 1.5, "baseline_t": 1]), BaselineBand(low: 0.5, high: 1.5, center: 1)))
        #expect(approx(band(["baseline": ["low": 2, "high": 4, "unit": "t"]]), BaselineBand(low: 2, high: 4)))
    }

    @Test func bandFromMedianAndMADCalibratesBareUnitsOnTheObservedValue() {
        // observed 41,230 matches the charted 41.2 t only as kilograms → bare numbers are kg.
        #expect(approx(band(["observed": 41_230, "baseline": 850, "mad": 150, "mad_k": 3]), BaselineBand(low: 0.4, high: 1.3, center: 0.85)))
        // observed 41.23 matches as tonnes → bare numbers are tonnes; k defaults to 3.
        #expect(approx(band(["observed": 41.23, "baseline": 0.85, "mad": 0.15]), BaselineBand(low: 0.4, high: 1.3, center: 0.85)))
        // No calibration possible: kilograms, the warehouse unit.
        #expect(approx(band(["baseline": 850]), BaselineBand(low: 0.85, high: 0.85, center: 0.85)))
    }

    @Test func noBandWhenTheEvidenceHasNone() {
        #expect(band(["ratio": 48.5, "gap_pct": 59]) == nil)
        #expect(band(.null) == nil)
        #expect(band(["baseline_usd": 1000]) == nil)   // a USD figure on a tonnes chart
    }
}
