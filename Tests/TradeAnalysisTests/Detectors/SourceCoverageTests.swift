import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// Detection on warehouses that mix sources with different coverage: one source answers for a
/// declarer's heading, a period its source did not publish is unknown (not zero), and mirror gaps
/// compare like with like.
@Suite("sources and coverage") struct SourceCoverageTests {
    /// `cc`: XCN's own customs (monthly, 8-digit); `wb`: a workbook of XCN's customs;
    /// `ct`: a Comtrade extract.
    let precedence = SourcePrecedence([
        "cc": .init(format: "china-customs-csv", ownReporter: "XCN"),
        "wb": .init(format: "china-customs-xlsx", ownReporter: "XCN"),
        "ct": .init(format: "comtrade-csv"),
    ])

    func tagged(_ rows: [TradeRow], _ source: String) -> [(row: TradeRow, source: String)] {
        rows.map { ($0, source) }
    }

    /// XCN's customs publish cerium oxide every month of 2014–2022: XCN is "covered" all along.
    func customsBackground() -> [(row: TradeRow, source: String)] {
        tagged(Fx.monthly("XCN", "XZZ", .export, "28461010", years: 2014...2022) { y, m in 30 * Fx.wiggle(y, m) }, "cc")
    }

    func run(_ rows: [(row: TradeRow, source: String)], precedence: SourcePrecedence? = nil) throws -> [Anomaly] {
        let input = DetectionInput(sourcedTrade: rows, precedence: precedence ?? self.precedence,
                                   commodities: try Fx.commodities())
        return DetectorSuite.run(input)
    }

    @Test func aSourceThatBeginsLaterIsNotTradeBeginning() throws {
        // Comtrade carries XCN's magnet exports from 2019 only, at a steady 500 t a month.
        let magnets = tagged(Fx.monthly("XCN", "XUS", .export, "850599", years: 2019...2022) { y, m in 500 * Fx.wiggle(y, m) }, "ct")
        let found = try run(customsBackground() + magnets)
        let magnetFindings = found.filter { ($0.hsCode ?? "").hasPrefix("8505") }
        #expect(magnetFindings.isEmpty, "\(magnetFindings.map(\.summary))")
        // Had Comtrade carried the goods since 2014 (a little to another partner), 2014–2018 would be
        // true zeros for XUS and the same rows would fire: the test can fail.
        let covered = tagged(Fx.monthly("XCN", "XZZ", .export, "850599", years: 2014...2022) { _, m in m == 6 ? 0.5 : 0 }, "ct")
        let background = tagged(Fx.monthly("XCN", "XZZ", .export, "28461010", years: 2014...2022) { y, m in 30 * Fx.wiggle(y, m) }, "ct")
        #expect(try run(customsBackground() + background + covered + magnets).contains { $0.hsCode == "850599" })
    }

    @Test func aSurgeInsideTheLaterSourceStillFires() throws {
        let magnets = tagged(Fx.monthly("XCN", "XUS", .export, "850599", years: 2015...2022) { y, m in
            (y == 2022 ? 2500 : 500) * Fx.wiggle(y, m)
        }, "ct")
        let found = try run(customsBackground() + magnets)
        #expect(found.contains { $0.detector == "volume_spike" && $0.hsCode == "850599" }, "\(found.map(\.summary))")
    }

    @Test func twoSourcesOfOneDeclarerAreNotMixed() throws {
        // Customs: XCN → XDE praseodymium oxide, 10 t a month. Comtrade's annual extract of the same
        // flow at the heading (2019–2020 only) must not turn into a 2-year spike against zeros.
        let customs = tagged(Fx.monthly("XCN", "XDE", .export, "28469017", years: 2014...2022) { y, m in 10 * Fx.wiggle(y, m) }, "cc")
        let comtrade = tagged(Fx.annual("XCN", "XDE", .export, "2846", [2019: 125, 2020: 118]), "ct")
        let input = DetectionInput(sourcedTrade: customsBackground() + customs + comtrade, precedence: precedence,
                                   commodities: try Fx.commodities())
        #expect(input.cube.source("XCN", .export, key: "2846") == "cc")
        #expect(input.cube.levelCodes("XCN", .export, key: "2846") == ["28461010", "28469017"])
        let found = DetectorSuite.run(input)
        #expect(found.isEmpty, "\(found.map(\.summary))")
        // A declared precedence that puts Comtrade first makes it the source of the heading instead.
        var flipped = precedence
        flipped.entries["ct"]!.declared = 1
        let other = DetectionInput(sourcedTrade: customsBackground() + customs + comtrade, precedence: flipped,
                                   commodities: try Fx.commodities())
        #expect(other.cube.source("XCN", .export, key: "2846") == "ct")
    }

    @Test func aCodeThatFirstAppearsInANewSourceIsNeitherSpikeNorNewPartner() throws {
        // A workbook adds a national line from 2021 on; no other source carries those goods.
        let workbook = tagged(Fx.monthly("XCN", "XDE", .export, "85059910", years: 2021...2022) { y, m in 40 * Fx.wiggle(y, m) }, "wb")
        let found = try run(customsBackground() + workbook)
        let magnetFindings = found.filter { ($0.hsCode ?? "").hasPrefix("8505") }
        #expect(magnetFindings.isEmpty, "\(magnetFindings.map(\.summary))")
    }

    @Test func mirrorGapsCompareWithinOnePublisher() throws {
        // XCN's customs lines cover part of the heading; Comtrade has both XCN's and XUS's declaration
        // of the whole heading, and they agree within 3 %.
        let customs = tagged(Fx.monthly("XCN", "XUS", .export, "28469017", years: 2017...2021) { _, _ in 8 }, "cc")
        let ctExports = tagged(Fx.annual("XCN", "XUS", .export, "284690", [2017: 400, 2018: 400, 2019: 400, 2020: 400, 2021: 400]), "ct")
        let ctImports = tagged(Fx.annual("XUS", "XCN", .import, "284690", [2017: 410, 2018: 410, 2019: 410, 2020: 410, 2021: 410]), "ct")
        let background = tagged(Fx.monthly("XCN", "XZZ", .export, "28461010", years: 2017...2021) { _, _ in 30 }, "cc")
        let agree = try run(background + customs + ctExports + ctImports).filter { $0.detector == "mirror_gap" }
        #expect(agree.isEmpty, "\(agree.map(\.summary))")
        // Comtrade's two sides disagreeing is a gap, and the evidence says what was paired.
        let inflated = tagged(Fx.annual("XUS", "XCN", .import, "284690", [2017: 410, 2018: 410, 2019: 900, 2020: 900, 2021: 410]), "ct")
        let gaps = try run(background + customs + ctExports + inflated).filter { $0.detector == "mirror_gap" }
        #expect(gaps.count == 1, "\(gaps.map(\.summary))")
        let gap = try #require(gaps.first)
        #expect(gap.periodStart == "2019" && gap.periodEnd == "2020")
        guard case .object(let e) = gap.evidence, case .object(let sources) = e["sources"] else { Issue.record("no sources"); return }
        #expect(sources["exporter_source"] == .string("ct") && sources["importer_source"] == .string("ct"))
        #expect(sources["paired"] == .string("within comtrade"))
    }

    @Test func seriesWithoutACoveredBaselineAreCountedByReason() throws {
        // Comtrade carries XCN's magnets from 2021 only; XCN's customs add a national line in 2021.
        let magnets = tagged(Fx.monthly("XCN", "XUS", .export, "850599", years: 2021...2022) { y, m in 500 * Fx.wiggle(y, m) }, "ct")
        let newLine = tagged(Fx.monthly("XCN", "XDE", .export, "28469017", years: 2021...2022) { _, _ in 10 }, "cc")
        let input = DetectionInput(sourcedTrade: customsBackground() + magnets + newLine, precedence: precedence,
                                   commodities: try Fx.commodities())
        let census = Unjudged.census(input)
        #expect(census == ["source covers the declarer for less than 4 years": 1,
                           "code first carried by its source less than 4 years before its last period": 1])
        #expect(Unjudged.sentence(census)?.hasPrefix("2 series (declarer, flow, code) left unjudged") ?? false)
        #expect(Unjudged.census(DetectionInput(sourcedTrade: customsBackground(), precedence: precedence)).isEmpty)
    }
}
