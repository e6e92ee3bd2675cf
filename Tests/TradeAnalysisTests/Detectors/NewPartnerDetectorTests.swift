import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("new_partner") struct NewPartnerDetectorTests {
    /// XAA's praseodymium oxide: ~10 t a year to XBB, a partner growing 25 %/year (XCC), one with a
    /// steady history (XDD), and in 2018 two newcomers: XQQ (40 t from May) and XSS (2 t).
    func scenario() -> [TradeRow] {
        var rows = Fx.background("XAA", years: 2013...2018)
        rows += Fx.monthly("XAA", "XBB", .export, "28469017", years: 2013...2018) { y, m in 0.8 * Fx.wiggle(y, m) }
        rows += Fx.monthly("XAA", "XCC", .export, "28469017", years: 2013...2018) { y, m in m % 3 == 0 ? 1.5 * pow(1.25, Double(y - 2013)) : 0 }
        rows += Fx.monthly("XAA", "XDD", .export, "28469017", years: 2013...2018) { y, m in
            m == 6 ? (y == 2018 ? 30 : 5) : 0
        }
        rows += Fx.monthly("XAA", "XQQ", .export, "28469017", years: 2018...2018) { _, m in m >= 5 ? 5 : 0 }
        rows += Fx.monthly("XAA", "XSS", .export, "28469017", years: 2018...2018) { _, m in m == 9 ? 2 : 0 }
        return rows
    }

    @Test func newcomerTakingAMaterialShareFires() throws {
        let found = try Fx.run(NewPartnerDetector(), scenario())
        expectWellFormed(found)
        let a = try #require(found.first { $0.partner == "XQQ" })
        #expect(found.count == 1, "\(found.map(\.summary))")
        #expect(a.reporter == "XAA" && a.hsCode == "28469017")
        #expect(a.periodStart == "2018-05" && a.periodEnd == "2018-12")
        #expect(a.summary.hasPrefix("XAA exports of 28469017 praseodymium oxide to XQQ: 40.0 t in 2018 vs a 2013–2017 median of 0 t for XQQ"))
        #expect(a.summary.contains("% of the code's exports."))
        #expect(a.score > 0.3 && a.score < 0.6)
        #expect(a.severity == .medium || a.severity == .high)
    }

    @Test func needsHistoryToCallAnyoneNew() throws {
        // Only one year of data: every partner is "new", none may fire.
        let rows = Fx.monthly("XAA", "XQQ", .export, "28469017", years: 2018...2018) { _, _ in 5 }
        #expect(try Fx.run(NewPartnerDetector(), rows).isEmpty)
    }

    @Test func thresholdsComeFromSettings() throws {
        let strict = try DetectorSettings(overrides: ["new_partner": ["min_tonnes": 50]])
        #expect(try Fx.run(NewPartnerDetector(), scenario(), settings: strict).isEmpty)
        let loose = try DetectorSettings(overrides: ["new_partner": ["min_tonnes": 1, "min_share": 0.01]])
        #expect(try Fx.run(NewPartnerDetector(), scenario(), settings: loose).contains { $0.partner == "XSS" })
    }
}
