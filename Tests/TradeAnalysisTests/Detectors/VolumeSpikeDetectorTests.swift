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
    ])
    func decoys(_ name: String, _ decoy: Decoy) throws {
        let rows = Fx.background("XGG", years: 2010...2017)
            + Fx.monthly("XGG", "XHH", .export, "28469017", years: 2010...2017, tonnes: decoy.tonnes)
            + Fx.monthly("XGG", "XII", .export, "28469017", years: 2010...2017) { decoy.tonnes($0, $1) * 0.5 }
        let found = try spikes(rows)
        #expect(found.isEmpty, "\(name): \(found.map(\.summary))")
    }

    @Test func annualGrowthDecoy() throws {
        var history: [Int: Double] = [:]
        for (i, y) in (2008...2017).enumerated() { history[y] = 40 * pow(1.25, Double(i)) * (i % 2 == 0 ? 1.04 : 0.97) }
        #expect(try spikes(Fx.annual("XJJ", "XKK", .export, "284690", history)).isEmpty)
    }
}

enum Decoy: Sendable {
    case growth, decemberPeak, februaryDip, tiny, growthWithPeak

    func tonnes(_ y: Int, _ m: Int) -> Double {
        switch self {
        case .growth: 10 * pow(1.25, Double(y - 2010) + Double(m - 1) / 12) * Fx.wiggle(y, m)
        case .decemberPeak: m == 12 ? 30 : 5 * Fx.wiggle(y, m)
        case .februaryDip: m == 2 ? 1 : (m == 3 ? 14 : 8 * Fx.wiggle(y, m))
        case .tiny: y >= 2016 ? 0.04 : 0.01
        case .growthWithPeak: (m == 12 ? 4 : 1) * 6 * pow(1.25, Double(y - 2010)) * Fx.wiggle(y, m)
        }
    }
}
