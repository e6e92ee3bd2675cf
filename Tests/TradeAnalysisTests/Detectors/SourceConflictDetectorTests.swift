import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("source_conflict") struct SourceConflictDetectorTests {
    /// XCN's own customs (monthly, 8-digit), XUS's own customs (monthly, CIF imports), a Comtrade
    /// annual extract and a Comtrade monthly extract.
    let precedence = SourcePrecedence([
        "xcn-customs": .init(format: "china-customs-csv", ownReporter: "XCN"),
        "xus-customs": .init(format: "census-csv", ownReporter: "XUS"),
        "comtrade": .init(format: "comtrade-csv"),
        "comtrade-monthly": .init(format: "comtrade-json"),
    ])

    func tagged(_ rows: [TradeRow], _ source: String) -> [(row: TradeRow, source: String)] { rows.map { ($0, source) } }

    func run(_ rows: [(row: TradeRow, source: String)]) throws -> [Anomaly] {
        let input = DetectionInput(sourcedTrade: rows, precedence: precedence, commodities: try Fx.commodities())
        return SourceConflictDetector().detect(input, settings: DetectorSettings())
    }

    /// XCN customs: praseodymium oxide 10 t and oxides n.e.s. 5 t a month to XUS, 2019 – June 2022
    /// (15 t a month = 180 t a year at $50/kg). Comtrade's annual 284690: 180 t in 2019, 300 t in
    /// 2020, 185 t in 2021 (+3 %) and 300 t in 2022, a year customs did not publish in full.
    func scenario() -> [(row: TradeRow, source: String)] {
        let until = { (y: Int, m: Int) in y < 2022 || m <= 6 }
        var rows = tagged(Fx.monthly("XCN", "XUS", .export, "28469017", years: 2019...2022) { y, m in until(y, m) ? 10 : 0 }, "xcn-customs")
        rows += tagged(Fx.monthly("XCN", "XUS", .export, "28469019", years: 2019...2022) { y, m in until(y, m) ? 5 : 0 }, "xcn-customs")
        rows += tagged(Fx.annual("XCN", "XUS", .export, "284690", [2019: 180, 2020: 300, 2021: 185, 2022: 300]), "comtrade")
        return rows
    }

    @Test func aYearTheTwoSourcesDisagreeOnIsOneFinding() throws {
        let found = try run(scenario())
        expectWellFormed(found)
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.reporter == "XCN" && a.partner == "XUS" && a.hsCode == "284690")
        #expect(a.periodStart == "2020" && a.periodEnd == "2020")
        // The customs source answers for XCN, so it is named first although it sorts last.
        #expect(a.summary == "Two sources disagree on XCN exports of 284690 compounds of rare-earth metals, other than cerium to XUS "
            + "in 2020: xcn-customs 180.0 t / $9.0 M, comtrade 300.0 t / $15.0 M (+67 % in weight, +67 % in value).", "\(a.summary)")
        #expect(a.score == 0.6667)  // (300 − 180) / 180
        #expect(a.severity == .medium)
        guard case .object(let e) = a.evidence, case .object(let baseline) = e["baseline"], case .object(let observed) = e["observed"]
        else { Issue.record("evidence"); return }
        #expect(e["tonnes_at_stake"] == .number(120))
        #expect(e["usd_at_stake"] == .number(6_000_000))
        #expect(e["declared_by"] == .string("XCN"))
        #expect(baseline["source"] == .string("xcn-customs") && observed["source"] == .string("comtrade"))
        #expect(baseline["codes"] == .array(["28469017", "28469019"]))
        #expect(observed["codes"] == .array(["284690"]))
    }

    @Test func consecutiveYearsAreOneEpisode() throws {
        var rows = scenario().filter { !($0.source == "comtrade") }
        rows += tagged(Fx.annual("XCN", "XUS", .export, "284690", [2019: 180, 2020: 300, 2021: 240]), "comtrade")
        let found = try run(rows)
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.periodStart == "2020" && a.periodEnd == "2021")
        #expect(a.summary.contains("in 2020–2021: xcn-customs 360.0 t / $18.0 M, comtrade 540.0 t / $27.0 M (+50 % in weight"), "\(a.summary)")
        guard case .object(let e) = a.evidence else { Issue.record("evidence"); return }
        #expect(e["tonnes_at_stake"] == .number(180))
    }

    @Test func aSubheadingIsNotComparedWithAHeadingItDoesNotMakeUp() throws {
        // Comtrade annual: XCN → XGB 2846 (all compounds), 500 t; Comtrade monthly: 284690 only, 120 t.
        let rows = tagged(Fx.annual("XCN", "XGB", .export, "2846", [2020: 500]), "comtrade")
            + tagged(Fx.monthly("XCN", "XGB", .export, "284690", years: 2020...2020) { _, _ in 10 }, "comtrade-monthly")
        #expect(try run(rows).isEmpty)
        // The monthly extract declaring the heading itself is compared, and differs.
        let heading = tagged(Fx.annual("XCN", "XGB", .export, "2846", [2020: 500]), "comtrade")
            + tagged(Fx.monthly("XCN", "XGB", .export, "2846", years: 2020...2020) { _, _ in 10 }, "comtrade-monthly")
        #expect(try run(heading).map(\.hsCode) == ["2846"])
    }

    @Test func cifAndFobValuesAreComparedOnOneBasis() throws {
        // XUS declares its imports from XCN CIF (12 % over FOB), Comtrade FOB; the weights agree.
        // Brought to FOB (6 % allowance) the values differ by 5.7 %: no conflict. As declared, 12 %.
        let cif = tagged(Fx.monthly("XUS", "XCN", .import, "284690", years: 2020...2020, usdPerKg: 56, valuation: .cif) { _, _ in 20 },
                         "xus-customs")
        let fob = tagged(Fx.annual("XUS", "XCN", .import, "284690", [2020: 240]).map { r -> TradeRow in
            var r = r
            r.valuation = .fob
            return r
        }, "comtrade")
        #expect(try run(cif + fob).isEmpty)
        // A weight difference on the same declaration fires, turned to the exporter's orientation.
        let heavier = tagged(Fx.annual("XUS", "XCN", .import, "284690", [2020: 300], usdPerKg: 50 * 0.8 * 1.12), "comtrade")
        let found = try run(cif + heavier)
        let a = try #require(found.first, "\(found)")
        #expect(a.reporter == "XCN" && a.partner == "XUS")
        #expect(a.summary.hasPrefix("Two sources disagree on XUS imports of 284690 compounds of rare-earth metals, other than cerium from XCN in 2020: "
            + "xus-customs 240.0 t / $13.4 M, comtrade 300.0 t / $13.4 M (+25 % in weight, +0 % in value)"), "\(a.summary)")
    }
}
