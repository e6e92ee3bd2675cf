import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("volume_spike") struct VolumeSpikeDetectorTests {
    let detector = VolumeSpikeDetector()

    func spikes(_ rows: [TradeRow]) throws -> [Anomaly] {
        let found = try Fx.run(detector, rows)
        expectWellFormed(found)
        return found
    }

    @Test func monthlySurgeIsDatedToTheMonthItStarted() throws {
        // XAA's praseodymium metal: ~1 t a month to two partners 2011–2015, then 15 t a month from 2016-03.
        var rows = Fx.background("XAA", years: 2011...2016)
        rows += Fx.monthly("XAA", "XBB", .export, "28053016", years: 2011...2016) { y, m in
            (y == 2016 && m >= 3) ? 10 : 0.6 * Fx.wiggle(y, m)
        }
        rows += Fx.monthly("XAA", "XCC", .export, "28053016", years: 2011...2016) { y, m in
            (y == 2016 && m >= 3) ? 5 : 0.4 * Fx.wiggle(y, m, amplitude: 0.2)
        }
        let found = try spikes(rows).filter { $0.hsCode == "28053016" }
        let total = try #require(found.first { $0.partner == "WLD" })
        #expect(total.reporter == "XAA")
        #expect(total.periodStart.hasPrefix("2016-0"))
        #expect(total.periodStart >= "2016-03" && total.periodStart <= "2016-05")
        #expect(total.score >= 4)
        #expect(total.summary.contains("28053016 praseodymium"))
        #expect(total.summary.contains("XAA exports"))
        // Partner series with a real history fire too.
        #expect(found.contains { $0.partner == "XBB" })
    }

    @Test func aTotalSpikeNamesThePartnersBehindIt() throws {
        // XQQ's holmium oxide: ~0.5 t a month to XRR for years; in 2017 two buyers it never served
        // take 6 t and 3 t a month while XRR stays as it was.
        var rows = Fx.background("XQQ", years: 2012...2017)
        rows += Fx.monthly("XQQ", "XRR", .export, "28469018", years: 2012...2017) { y, m in 0.5 * Fx.wiggle(y, m) }
        rows += Fx.monthly("XQQ", "XSS", .export, "28469018", years: 2017...2017) { _, m in m >= 2 ? 6 : 0 }
        rows += Fx.monthly("XQQ", "XTT", .export, "28469018", years: 2017...2017) { _, m in m >= 2 ? 3 : 0 }
        let total = try #require(try spikes(rows).first { $0.hsCode == "28469018" && $0.partner == "WLD" })
        #expect(total.summary.contains("the rise came mostly from XSS"))
        #expect(total.summary.contains("XTT"))
        #expect(total.summary.contains("(new)"))
        #expect(!total.summary.contains("XRR"))
        guard case .object(let evidence) = total.evidence, case .array(let gains)? = evidence["partner_gains"] else {
            Issue.record("no partner_gains in the evidence")
            return
        }
        #expect(gains.count == 2)
    }

    @Test func annualSurgeFires() throws {
        // XDD's annual declarations of 284690 to XEE: about 20 t for six years, 120 t in 2016.
        let history: [Int: Double] = [2010: 18, 2011: 22, 2012: 19, 2013: 21, 2014: 20, 2015: 23, 2016: 120]
        let found = try spikes(Fx.annual("XDD", "XEE", .export, "284690", history))
        let a = try #require(found.first { $0.partner == "WLD" })
        #expect(a.periodStart == "2016" && a.periodEnd == "2016")
        #expect(a.summary.contains("120.0 t in 2016"))
        #expect(a.severity >= .medium)
    }

    @Test func importDeclarationsAreOrientedExporterToImporter() throws {
        let history: [Int: Double] = [2010: 18, 2011: 22, 2012: 19, 2013: 21, 2014: 20, 2015: 23, 2016: 120]
        let found = try spikes(Fx.annual("XEE", "XDD", .import, "284690", history))
        let a = try #require(found.first { $0.partner == "XEE" && $0.reporter == "XDD" })
        #expect(a.summary.contains("XEE imports"))
    }

    @Test("decoys do not fire", arguments: [
        ("steady growth +25 %/year", Decoy.growth),
        ("December peak every year", Decoy.decemberPeak),
        ("February lunar-new-year dip", Decoy.februaryDip),
        ("10 kg to 40 kg", Decoy.tiny),
        ("growth with a December peak", Decoy.growthWithPeak),
        ("lots every third month", Decoy.quarterlyLots),
        ("noisy months (about ±40 %)", Decoy.noisy),
        ("lunar new year moving between January and February", Decoy.movingDip),
    ])
    func decoys(_ name: String, _ decoy: Decoy) throws {
        let rows = Fx.background("XGG", years: 2010...2017)
            + Fx.monthly("XGG", "XHH", .export, "28469017", years: 2010...2017, tonnes: decoy.tonnes)
            + Fx.monthly("XGG", "XII", .export, "28469017", years: 2010...2017) { decoy.tonnes($0, $1) * 0.5 }
        let found = try spikes(rows)
        #expect(found.isEmpty, "\(name): \(found.map(\.summary))")
    }

    @Test func monthlyBurstInAPartnerSeriesFires() throws {
        // XMM's dysprosium metal to XNN: about 8 t a month 2012–2016, except 38 t and 44 t in
        // 2015-05/06 — diluted in any 12-month sum (+66 t on ~100 t), plain month by month.
        // XOO, a steady second buyer, must stay quiet.
        var rows = Fx.background("XMM", years: 2012...2016)
        rows += Fx.monthly("XMM", "XNN", .export, "28053012", years: 2012...2016) { y, m in
            y == 2015 && m == 5 ? 38 : (y == 2015 && m == 6 ? 44 : 8 * Fx.wiggle(y, m, amplitude: 0.15))
        }
        rows += Fx.monthly("XMM", "XOO", .export, "28053012", years: 2012...2016) { y, m in 20 * Fx.wiggle(y, m) }
        let found = try spikes(rows).filter { $0.hsCode == "28053012" }
        let a = try #require(found.first { $0.partner == "XNN" }, "\(found.map(\.summary))")
        #expect(a.reporter == "XMM" && a.periodStart == "2015-05" && a.periodEnd == "2015-06")
        #expect(a.summary.contains("82.0 t in 2015-05–2015-06 (2 months)"), "\(a.summary)")
        #expect(a.summary.contains("the peak was 44.0 t in 2015-06"))
        #expect(a.score >= 4)
        guard case .object(let e) = a.evidence else { Issue.record("evidence"); return }
        #expect(e["mode"] == .string("monthly"))
        #expect(!found.contains { $0.partner == "XOO" }, "\(found.map(\.summary))")
        #expect(found.filter { $0.partner == "XNN" }.count == 1)
    }

    @Test func monthlyCheckCanBeSwitchedOff() throws {
        var rows = Fx.background("XMM", years: 2012...2016)
        rows += Fx.monthly("XMM", "XNN", .export, "28053012", years: 2012...2016) { y, m in
            y == 2015 && m == 5 ? 38 : (y == 2015 && m == 6 ? 44 : 8 * Fx.wiggle(y, m, amplitude: 0.15))
        }
        let s = try DetectorSettings(overrides: ["volume_spike": ["monthly_check": 0]])
        #expect(try Fx.run(detector, rows, settings: s).filter { $0.partner == "XNN" }.isEmpty)
    }

    /// XQA's praseodymium oxide to XQB: under 1 t a month 2010–2014, a year-long surge from 2015-03
    /// (8 → 28 → 2 t a month), then back to 0.3 t; XQA publishes nothing for 2016-04 and 2016-05, which
    /// interrupts the run of anomalous 12-month windows while the surge is still inside them.
    func surgeWithAPublishingGap(secondSurge: Bool) -> [TradeRow] {
        let ramp: [Double] = [8, 18, 26, 24, 23, 23, 28, 26, 22, 16, 5, 2.4]
        var rows = Fx.background("XQA", years: 2010...2016)
        rows += Fx.monthly("XQA", "XQB", .export, "28469017", years: 2010...2016) { y, m in
            let k = (y - 2015) * 12 + m - 3
            if (0..<12).contains(k) { return ramp[k] }
            if secondSurge, y == 2016, m >= 8 { return 40 }
            return y >= 2016 ? 0.3 : (m % 2 == 0 ? 0.8 * Fx.wiggle(y, m) : 0.4)
        }
        return rows.filter { !($0.period.year == 2016 && [4, 5].contains($0.period.month ?? 0)) }
    }

    @Test func aSurgeIsReportedOnceNotAgainAsItLeavesTheWindow() throws {
        let found = try spikes(surgeWithAPublishingGap(secondSurge: false)).filter { $0.hsCode == "28469017" }
        let totals = found.filter { $0.partner == "WLD" }
        #expect(totals.count == 1, "\(totals.map(\.summary))")
        #expect(totals.first?.periodStart == "2015-04")
        #expect(found.filter { $0.partner == "XQB" }.count <= 1, "\(found.map(\.summary))")
    }

    @Test func aNewSurgeAfterAnEpisodeStillFires() throws {
        let totals = try spikes(surgeWithAPublishingGap(secondSurge: true)).filter { $0.hsCode == "28469017" && $0.partner == "WLD" }
        #expect(totals.count == 2, "\(totals.map(\.summary))")
        #expect(totals.contains { $0.periodStart >= "2016-08" })
    }

    @Test func annualGrowthDecoy() throws {
        var history: [Int: Double] = [:]
        for (i, y) in (2008...2017).enumerated() { history[y] = 40 * pow(1.25, Double(i)) * (i % 2 == 0 ? 1.04 : 0.97) }
        #expect(try spikes(Fx.annual("XJJ", "XKK", .export, "284690", history)).isEmpty)
    }
}

enum Decoy: Sendable {
    case growth, decemberPeak, februaryDip, tiny, growthWithPeak, quarterlyLots, noisy, movingDip

    func tonnes(_ y: Int, _ m: Int) -> Double {
        switch self {
        case .growth: 10 * pow(1.25, Double(y - 2010) + Double(m - 1) / 12) * Fx.wiggle(y, m)
        case .decemberPeak: m == 12 ? 30 : 5 * Fx.wiggle(y, m)
        case .februaryDip: m == 2 ? 1 : (m == 3 ? 14 : 8 * Fx.wiggle(y, m))
        case .tiny: y >= 2016 ? 0.04 : 0.01
        case .growthWithPeak: (m == 12 ? 4 : 1) * 6 * pow(1.25, Double(y - 2010)) * Fx.wiggle(y, m)
        case .quarterlyLots: m % 3 == 0 ? 24 * Fx.wiggle(y, m) : 0
        case .noisy: 10 * exp(0.4 * sin(Double(y * 12 + m) * 2.3) * cos(Double(y * 7 + m) * 1.7))
        case .movingDip: m == (y % 2 == 0 ? 1 : 2) ? 2 : (m == (y % 2 == 0 ? 2 : 3) ? 15 : 8 * Fx.wiggle(y, m))
        }
    }
}
