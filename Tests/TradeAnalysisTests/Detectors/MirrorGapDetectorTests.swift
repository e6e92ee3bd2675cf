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
        // 2016 and 2017 then fail back to back: one finding spanning both, naming the estimated year.
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first { $0.periodEnd == "2017" })
        #expect(a.periodStart == "2016")
        #expect(a.summary.contains("weights partly estimated by the publisher in 2017"), "\(a.summary)")
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
        // The failing calendar year and the failing 12-month windows are one finding.
        #expect(a.periodStart == "2016" && a.periodEnd == "2016", "\(a.periodStart) \(a.periodEnd)")
        #expect(a.summary.contains("failing 12-month windows"), "\(a.summary)")
        guard case .object(let e) = a.evidence, case .array(let windows)? = e["windows"] else {
            Issue.record("no windows in evidence"); return
        }
        #expect(windows.count > 1)
    }

    // MARK: - Like with like

    /// XKK: full national tariff, monthly 8-digit cerium lines (28461010 + 28461090) to XLL and XMM
    /// 2012–2017 plus an unrelated 28469017 line to XLL, plus a Comtrade-like annual extract at 4 and
    /// 6 digits for WLD, XNN and XLL in 2013–2014 with figures of its own. XLL and XMM declare monthly
    /// 284610 imports, CIF 4 % above XKK's FOB; XMM declares 1.6× the weight in 2014 and 2015 when `inflated`.
    func likeWithLikeScenario(inflated: Bool) throws -> [TradeRow] {
        let years = 2012...2017
        var rows = Fx.background("XKK", years: years)
        for partner in ["XLL", "XMM"] {
            rows += Fx.monthly("XKK", partner, .export, "28461010", years: years, usdPerKg: 4, valuation: .fob) { y, m in 12 * Fx.wiggle(y, m) }
            rows += Fx.monthly("XKK", partner, .export, "28461090", years: years, usdPerKg: 6, valuation: .fob) { y, m in 3 * Fx.wiggle(y, m, amplitude: 0.2) }
        }
        rows += Fx.monthly("XKK", "XLL", .export, "28469017", years: years, usdPerKg: 90, valuation: .fob) { _, _ in 7 }
        for y in 2013...2014 {
            for (partner, t) in [("WLD", 900.0), ("XNN", 300.0), ("XLL", 40.0)] {
                rows.append(try Fx.row(String(y), "XKK", partner, .export, "2846", kg: t * 1000, usd: t * 1000 * 9, valuation: .fob))
                rows.append(try Fx.row(String(y), "XKK", partner, .export, "284610", kg: t * 500, usd: t * 500 * 5, valuation: .fob))
            }
        }
        for partner in ["XLL", "XMM"] {
            rows += Fx.monthly(partner, "XKK", .import, "284610", years: years, usdPerKg: 4.4 * 1.04, valuation: .cif) { y, m in
                let base = 12 * Fx.wiggle(y, m) + 3 * Fx.wiggle(y, m, amplitude: 0.2)
                return inflated && partner == "XMM" && (2014...2015).contains(y) ? base * 1.6 : base
            }
        }
        return rows
    }

    @Test func consistentSidesAtTheSubheadingBothDeclaredDoNotFire() throws {
        // The annual 4-digit WLD / single-partner rows neither shadow the monthly lines nor pull the
        // comparison up to 2846 (which would mix XKK's 28469017 with XLL's cerium-only declarations).
        let found = try Fx.run(MirrorGapDetector(), likeWithLikeScenario(inflated: false))
        #expect(found.isEmpty, "\(found.map(\.summary))")
    }

    @Test func inflatedImporterFiresOnceOverTheEpisode() throws {
        let found = try Fx.run(MirrorGapDetector(), likeWithLikeScenario(inflated: true))
        expectWellFormed(found)
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.reporter == "XKK" && a.partner == "XMM" && a.hsCode == "284610")
        #expect(a.periodStart == "2014" && a.periodEnd == "2015", "\(a.periodStart)–\(a.periodEnd)")
        #expect(a.summary.contains("imports exceed exports by") && a.summary.contains("% in value and 60 % in weight"), "\(a.summary)")
        #expect(a.summary.contains("by year: 2014"), "\(a.summary)")
        #expect(a.score > 0.55 && a.score < 0.65)
    }

    @Test func nestedLevelsReportTheMostDetailedOnly() throws {
        // XPP declares both the heading and the subheading (annual, CIF); its 284610 is 1.6× XKK's
        // cerium lines in 2015. Only the 284610 comparison is made: one finding.
        var rows = try likeWithLikeScenario(inflated: false)
        for y in 2014...2016 {
            let ce = 180_000.0 * (y == 2015 ? 1.6 : 1.0)
            rows += Fx.monthly("XKK", "XPP", .export, "28461010", years: y...y, usdPerKg: 4, valuation: .fob) { _, _ in 15 }
            rows += Fx.monthly("XKK", "XPP", .export, "28469017", years: y...y, usdPerKg: 90, valuation: .fob) { _, _ in 1 }
            rows.append(try Fx.row(String(y), "XPP", "XKK", .import, "284610", kg: ce, usd: ce * 4 * 1.04, valuation: .cif))
            rows.append(try Fx.row(String(y), "XPP", "XKK", .import, "2846", kg: ce + 12_000, usd: ce * 4 * 1.04 + 12_000 * 90 * 1.04,
                               valuation: .cif))
        }
        let found = try Fx.run(MirrorGapDetector(), rows)
        expectWellFormed(found)
        #expect(found.map(\.hsCode) == ["284610"], "\(found.map(\.summary))")
        #expect(found.first?.partner == "XPP" && found.first?.periodStart == "2015")
    }

    @Test func smallShippingLagAcrossTheYearEndIsNoGap() throws {
        // XKK ships 1.5 t a month to XRR from 2015-06 to 2016-02; XRR declares each lot a month later.
        // 2016: XRR declares 3 lots, XKK 2 — a 50 % "gap" on 1.5 t that the lag explains.
        var rows = try likeWithLikeScenario(inflated: false) + Fx.background("XRR", years: 2012...2017)
        let burst = (2015 * 12 + 5)...(2016 * 12 + 1)
        rows += Fx.monthly("XKK", "XRR", .export, "28461010", years: 2015...2016, usdPerKg: 40, valuation: .fob) { y, m in
            burst.contains(y * 12 + m - 1) ? 1.5 : 0
        }
        rows += Fx.monthly("XRR", "XKK", .import, "284610", years: 2015...2016, usdPerKg: 41.6, valuation: .cif) { y, m in
            burst.contains(y * 12 + m - 2) ? 1.5 : 0
        }
        rows += Fx.monthly("XRR", "XZZ", .import, "284610", years: 2012...2017) { _, _ in 1 }  // XRR publishes imports monthly
        let found = try Fx.run(MirrorGapDetector(), rows)
        #expect(!found.contains { $0.partner == "XRR" }, "\(found.map(\.summary))")
        // Without the lag allowance and the tonnage floor the decoy would fire.
        let bare = try DetectorSettings(overrides: ["mirror_gap": ["lag_months": 0, "min_tonnes": 0, "min_usd_difference": 0]])
        let naive = try Fx.run(MirrorGapDetector(), rows, settings: bare)
        #expect(naive.contains { $0.partner == "XRR" }, "\(naive.map(\.summary))")
    }
}
