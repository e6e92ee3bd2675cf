import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("unit_value_outlier") struct UnitValueOutlierDetectorTests {
    /// Praseodymium metal 2013–2015: XAA and XEE ship to five partners at about $80/kg; importers
    /// declare CIF a steady 3–4 % higher. One 5 t lot in 2014-06 to XPP is declared at $8/kg.
    func scenario() throws -> [TradeRow] {
        var rows: [TradeRow] = []
        for (i, partner) in ["XBB", "XCC", "XDD", "XFF", "XGG"].enumerated() {
            for exporter in ["XAA", "XEE"] {
                rows += Fx.monthly(exporter, partner, .export, "28053016", years: 2013...2015,
                                   usdPerKg: 80 * (1 + 0.03 * Double(i - 2)), valuation: .fob) { y, m in m % 4 == i % 4 ? 3 * Fx.wiggle(y, m) : 0 }
            }
            rows += Fx.monthly(partner, "XAA", .import, "28053016", years: 2013...2015,
                               usdPerKg: 80 * 1.035 * (1 + 0.03 * Double(i - 2)), valuation: .cif) { y, m in m % 4 == i % 4 ? 3 * Fx.wiggle(y, m) : 0 }
        }
        rows.append(try Fx.row("2014-06", "XAA", "XPP", .export, "28053016", kg: 5000, usd: 40_000, valuation: .fob))
        // Decoys: a 200 kg lot at $300/kg (too light to judge) and an estimated weight.
        rows.append(try Fx.row("2014-07", "XAA", "XQQ", .export, "28053016", kg: 200, usd: 60_000))
        rows.append(try Fx.row("2014", "XRR", "XAA", .import, "28053016", kg: 9000, usd: 72_000, estimated: true))
        return rows
    }

    @Test func underInvoicedLotFires() throws {
        let found = try Fx.run(UnitValueOutlierDetector(), scenario())
        expectWellFormed(found)
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.reporter == "XAA" && a.partner == "XPP" && a.periodStart == "2014-06")
        #expect(a.summary.contains("5.0 t at $8.00/kg"))
        #expect(a.score >= 6)
    }

    @Test func grosslyMispricedSmallLotFiresButModestOnesDoNot() throws {
        // Sub-tonne lots: 350 kg at $1.20/kg (about 1/65 of the usual) fires; 400 kg at $9/kg
        // (about 1/9) and the 200 kg at $300/kg decoy stay quiet; a 150 kg lot is too light to judge.
        var rows = try scenario()
        rows.append(try Fx.row("2014-09", "XEE", "XTT", .export, "28053016", kg: 350, usd: 420, valuation: .fob))
        rows.append(try Fx.row("2014-10", "XEE", "XUU", .export, "28053016", kg: 400, usd: 3_600, valuation: .fob))
        rows.append(try Fx.row("2014-11", "XEE", "XVV", .export, "28053016", kg: 150, usd: 150, valuation: .fob))
        let found = try Fx.run(UnitValueOutlierDetector(), rows)
        expectWellFormed(found)
        #expect(Set(found.map(\.partner)) == ["XPP", "XTT"], "\(found.map(\.summary))")
        let a = try #require(found.first { $0.partner == "XTT" })
        #expect(a.summary.contains("350 kg at $1.20/kg"), "\(a.summary)")
        #expect(a.summary.contains("1/6") && a.summary.contains(" of the usual unit value"), "\(a.summary)")
        #expect(a.severity == .high)
    }

    @Test func aSeriesSteadyLevelIsNotAnOutlier() throws {
        // XHH always imports a cheaper grade (CIF, a quarter of the others' unit value): that is the
        // series, not twelve outliers a year.
        var rows = try scenario()
        rows += Fx.monthly("XHH", "XEE", .import, "28053016", years: 2013...2015, usdPerKg: 21, valuation: .cif) { y, m in 4 * Fx.wiggle(y, m) }
        let found = try Fx.run(UnitValueOutlierDetector(), rows)
        #expect(!found.contains { $0.partner == "XHH" }, "\(found.map(\.summary))")
        #expect(found.map(\.partner) == ["XPP"], "\(found.map(\.summary))")
    }

    @Test func consecutiveMispricedLotsOfOneSeriesAreOneFinding() throws {
        // XEE → XJJ: 5 t a month at $80/kg, but declared at $8/kg from 2014-03 to 2014-05.
        var rows = try scenario()
        rows += Fx.monthly("XEE", "XJJ", .export, "28053016", years: 2013...2015, valuation: .fob) { y, m in 5 * Fx.wiggle(y, m) }
            .map { r in
                var r = r
                let mi = r.period.monthIndex
                r.valueUSD = (r.quantityKg ?? 0) * ((2014 * 12 + 2...2014 * 12 + 4).contains(mi) ? 8 : 80)
                return r
            }
        let found = try Fx.run(UnitValueOutlierDetector(), rows)
        expectWellFormed(found)
        let a = found.filter { $0.partner == "XJJ" }
        #expect(a.count == 1, "\(found.map(\.summary))")
        #expect(a.first?.periodStart == "2014-03" && a.first?.periodEnd == "2014-05")
        #expect(a.first?.summary.contains("3 such lots") == true)
    }

    @Test func estimatedWeightsAreJudgedOnlyWhenAsked() throws {
        let s = try DetectorSettings(overrides: ["unit_value_outlier": ["exclude_estimated_weights": 0]])
        let found = try Fx.run(UnitValueOutlierDetector(), scenario(), settings: s)
        #expect(found.contains { $0.reporter == "XAA" && $0.partner == "XRR" })
    }
}
