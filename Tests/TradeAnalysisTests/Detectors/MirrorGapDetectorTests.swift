import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("mirror_gap") struct MirrorGapDetectorTests {
    /// XAA declares monthly 8-digit exports to XCC (10 t a month, FOB, $50/kg, split over two lines);
    /// XCC declares annual 4-digit imports (fixture CSV).
    func annualScenario() throws -> [TradeRow] {
        var rows = Fx.background("XAA", years: 2014...2017)
        rows += Fx.monthly("XAA", "XCC", .export, "28461010", years: 2014...2017, usdPerKg: 50, valuation: .fob) { _, _ in 4 }
        rows += Fx.monthly("XAA", "XCC", .export, "28469017", years: 2014...2017, usdPerKg: 50, valuation: .fob) { _, _ in 6 }
        rows += try Fx.trade("mirror_importer_annual.csv")
        return rows
    }

    @Test func annualGapAtTheCommonPrefixFires() throws {
        let found = try Fx.run(MirrorGapDetector(), annualScenario())
        expectWellFormed(found)
        #expect(found.map(\.periodStart) == ["2016"], "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.reporter == "XAA" && a.partner == "XCC" && a.hsCode == "2846")
        #expect(a.summary.contains("imports exceed exports by 56 % in value and 60 % in weight"))
        #expect(a.score > 0.5 && a.score < 0.7)
        #expect(a.severity == .medium)
    }

    @Test func estimatedWeightsAreDownWeighted() throws {
        // 2017: weights 40 % apart but estimated → 0.4 × 0.5 = 0.2 < 0.25; without the down-weighting it fires.
        let full = try DetectorSettings(overrides: ["mirror_gap": ["estimated_weight_factor": 1]])
        let found = try Fx.run(MirrorGapDetector(), annualScenario(), settings: full)
        let a = try #require(found.first { $0.periodStart == "2017" })
        #expect(a.summary.contains("weights partly estimated"))
    }

    @Test func allowanceSetsTheMargin() throws {
        // Without a CIF/FOB allowance the steady 3.5 % gap is still far below 25 %: no finding for 2014/2015.
        let none = try DetectorSettings(overrides: ["mirror_gap": ["cif_fob_allowance": 0]])
        let found = try Fx.run(MirrorGapDetector(), annualScenario(), settings: none)
        #expect(!found.contains { $0.periodStart == "2014" || $0.periodStart == "2015" })
    }

    @Test func rollingTwelveMonthWindowsWhenBothSidesAreMonthly() throws {
        // XEE ships 5 t a month of 28053016 to XFF; XFF declares 280530 imports, CIF +4 %; from 2016-06 XFF declares double.
        var rows = Fx.background("XEE", years: 2014...2017) + Fx.background("XFF", years: 2014...2017)
        rows += Fx.monthly("XEE", "XFF", .export, "28053016", years: 2014...2017, usdPerKg: 80, valuation: .fob) { _, _ in 5 }
        rows += Fx.monthly("XFF", "XEE", .import, "280530", years: 2014...2017, usdPerKg: 83.2, valuation: .cif) { y, m in
            (y * 12 + m >= 2016 * 12 + 6 && y * 12 + m <= 2016 * 12 + 11) ? 10 : 5
        }
        let found = try Fx.run(MirrorGapDetector(), rows)
        expectWellFormed(found)
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.hsCode == "280530" && a.reporter == "XEE" && a.partner == "XFF")
        #expect(a.summary.contains("in the 12 months"))
        #expect(a.periodStart <= "2016-06" && a.periodEnd >= "2016-11")
    }
}
