import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("transshipment_conduit") struct TransshipmentConduitDetectorTests {
    /// Origin XAA (8-digit monthly customs lines) used to ship praseodymium oxide straight to XDD
    /// (~30 t a year). In 2017 XAA ships 60 t (Jul–Dec) to XKK, a country that mines nothing, and XKK
    /// ships 54 t (Sep 2017 – Feb 2018, declared monthly at 6 digits) to XDD, whose direct imports
    /// from XAA fall to 8 t.
    func scenario() -> [TradeRow] {
        var rows = Fx.background("XAA", years: 2013...2018) + Fx.background("XKK", years: 2013...2018)
        rows += Fx.monthly("XAA", "XDD", .export, "28469017", years: 2013...2018) { y, m in
            y < 2017 ? 2.5 * Fx.wiggle(y, m) : (m <= 4 ? 2 : 0)
        }
        rows += Fx.monthly("XAA", "XKK", .export, "28469017", years: 2013...2018) { y, m in
            y == 2017 ? (m >= 7 ? 10 : 0) : (m == 1 ? 0.1 : 0)
        }
        rows += Fx.monthly("XKK", "XDD", .export, "284690", years: 2013...2018) { y, m in
            let t = y * 12 + m
            return t >= 2017 * 12 + 9 && t <= 2018 * 12 + 2 ? 9 : 0
        }
        return rows
    }

    let noProduction: [MineralStat] = [
        MineralStat(country: "XAA", year: 2017, measure: "mine_production", value: 90_000, unit: "t_REO", estimated: true, rawLine: 2),
    ]

    @Test func conduitIsNamedWithLagAndTonnage() throws {
        let found = try Fx.run(TransshipmentConduitDetector(), scenario(), stats: noProduction)
        expectWellFormed(found)
        // The months of 2017 also surge over their trailing baselines: that episode is the calendar
        // year's finding, not a second one.
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.reporter == "XAA" && a.via == "XKK" && a.partner == "XDD")
        #expect(a.hsCode == "284690")
        #expect(a.periodStart == "2017-07" && a.periodEnd == "2018-02")
        guard case .object(let e) = a.evidence, case .object(let obs) = e["observed"] else { Issue.record("evidence"); return }
        #expect(obs["lag_months"] == .number(2))
        #expect(a.score == 54)
        #expect(a.severity == .medium)
        #expect(a.summary.contains("from XAA via XKK to XDD in 2017"))
        #expect(a.summary.contains("about 54.0 t transshipped"))
        #expect(a.summary.contains("USGS lists no mine production for XKK"))
    }

    @Test func aProducingConduitIsNotFlagged() throws {
        let mines = noProduction + [
            MineralStat(country: "XKK", year: 2016, measure: "mine_production", value: 4_000, unit: "t_REO", estimated: false, rawLine: 3),
        ]
        #expect(try Fx.run(TransshipmentConduitDetector(), scenario(), stats: mines).isEmpty)
    }

    @Test func conduitShippingFarMoreThanItGotIsNotFlagged() throws {
        // XKK ships 54 t but got only 12 t from XAA: below Freund's 75 % coverage.
        let rows = scenario().map { r -> TradeRow in
            var r = r
            if r.reporter == "XAA", r.partner == "XKK", r.period.year == 2017, r.period.month! >= 7 { r.quantityKg = 2000 }
            return r
        }
        #expect(try Fx.run(TransshipmentConduitDetector(), rows).isEmpty)
    }

    @Test func legsMayComeFromEitherSide() throws {
        // The onward leg declared only by the destination, annually, as imports from XKK.
        var rows = scenario().filter { !($0.reporter == "XKK" && $0.hsCode == "284690") }
        rows += Fx.annual("XDD", "XKK", .import, "284690", [2014: 0.2, 2015: 0.1, 2016: 0.3, 2017: 50])
        rows += Fx.annual("XDD", "XAA", .import, "284690", [2014: 30, 2015: 31, 2016: 29, 2017: 8])
        let found = try Fx.run(TransshipmentConduitDetector(), rows)
        let a = try #require(found.first)
        #expect(a.via == "XKK" && a.score == 50)
    }

    @Test func steadyThreeCountryTradeIsNotFlagged() throws {
        // The same three countries trading steadily (with +25 %/year growth) is no conduit.
        var rows = Fx.background("XAA", years: 2013...2018) + Fx.background("XKK", years: 2013...2018)
        rows += Fx.monthly("XAA", "XKK", .export, "28469017", years: 2013...2018) { y, _ in 3 * pow(1.25, Double(y - 2013)) }
        rows += Fx.monthly("XKK", "XDD", .export, "284690", years: 2013...2018) { y, _ in 2.5 * pow(1.25, Double(y - 2013)) }
        #expect(try Fx.run(TransshipmentConduitDetector(), rows).isEmpty)
    }

    /// A five-month conduit over non-zero baselines, 2016–2019 monthly: XAA → XKK magnets run at
    /// 10 t a month and at 40 t (×4) in 2019-03–2019-07; XKK → XDD at 3 t a month and at 33 t (×11)
    /// one month later, 2019-04–2019-08; XAA → XDD steady at 20 t. The calendar year 2019 does not
    /// surge on the first leg (270 t vs a 120 t median: ×2.25).
    func burst(first: @escaping (Int, Int) -> Double? = { _, _ in nil },
               second: @escaping (Int, Int) -> Double? = { _, _ in nil }) -> [TradeRow] {
        let t = { (y: Int, m: Int) in y * 12 + m }
        var rows = Fx.background("XAA", years: 2016...2019) + Fx.background("XKK", years: 2016...2019)
        rows += Fx.monthly("XAA", "XKK", .export, "85059910", years: 2016...2019) { y, m in
            first(y, m) ?? (t(y, m) >= t(2019, 3) && t(y, m) <= t(2019, 7) ? 40 : 10)
        }
        rows += Fx.monthly("XKK", "XDD", .export, "85059910", years: 2016...2019) { y, m in
            second(y, m) ?? (t(y, m) >= t(2019, 4) && t(y, m) <= t(2019, 8) ? 33 : 3)
        }
        rows += Fx.monthly("XAA", "XDD", .export, "85059910", years: 2016...2019) { _, _ in 20 }
        return rows
    }

    @Test func aBurstOfMonthsOverNonZeroBaselinesIsOneConduit() throws {
        let found = try Fx.run(TransshipmentConduitDetector(), burst())
        expectWellFormed(found)
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.reporter == "XAA" && a.via == "XKK" && a.partner == "XDD" && a.hsCode == "85059910")
        #expect(a.periodStart == "2019-03" && a.periodEnd == "2019-08")
        #expect(a.score == 165 && a.severity == .high)  // min(5 × 40, 5 × 33)
        #expect(a.summary.hasPrefix("Possible transshipment of 85059910 rare-earth magnet alloys from XAA via XKK to XDD in 2019-03–2019-08: "
            + "XKK took 200.0 t from XAA in 2019-03–2019-07 (4.0 times its trailing 24-month average of 10.0 t a month) and shipped "
            + "165.0 t to XDD in 2019-04–2019-08 with a 1-month lag (11.0 times 3.0 t a month); USGS lists no mine production for XKK; "
            + "XAA's share of XDD's imports fell from 87 % to "), "\(a.summary)")
        guard case .object(let e) = a.evidence, case .object(let obs) = e["observed"] else { Issue.record("evidence"); return }
        #expect(obs["lag_months"] == .number(1))
        #expect(e["tonnes_at_stake"] == .number(165))
    }

    @Test func burstDecoysAreNotConduits() throws {
        let t = { (y: Int, m: Int) in y * 12 + m }
        // Each leg surging alone.
        #expect(try Fx.run(TransshipmentConduitDetector(), burst(second: { _, _ in 3 })).isEmpty)
        #expect(try Fx.run(TransshipmentConduitDetector(), burst(first: { _, _ in 10 })).isEmpty)
        // Both legs growing steadily, +60 % a year.
        let growth = { (y: Int, m: Int) in pow(1.6, Double(t(y, m) - t(2016, 1)) / 12) }
        #expect(try Fx.run(TransshipmentConduitDetector(), burst(first: { y, m in 10 * growth(y, m) },
                                                                 second: { y, m in 8 * growth(y, m) })).isEmpty)
        // The same burst as a seasonal peak every year.
        let seasonal = burst(first: { _, m in (3...7).contains(m) ? 40 : 10 }, second: { _, m in (4...8).contains(m) ? 33 : 3 })
        #expect(try Fx.run(TransshipmentConduitDetector(), seasonal).isEmpty)
    }
}
