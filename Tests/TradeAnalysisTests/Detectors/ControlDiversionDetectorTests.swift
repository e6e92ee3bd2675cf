import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("control_diversion") struct ControlDiversionDetectorTests {
    let xanadu = Country(iso3: "XAA", iso2: "XA", isoNumeric: "900", comtradeCode: "900", nameEN: "Xanadu",
                         nameZH: "仙乐都", aliases: ["Xanadu Republic"])

    /// A made-up regime on dysprosium and terbium, effective mid-2016.
    var regime: ExportControl {
        ExportControl(regime: "TEST 2016 No.1", issuer: "Xanadu", announced: "2016-06-15", effective: "2016-07-01",
                      suspendedFrom: nil, suspendedUntil: nil, elements: ["Dy", "Tb"], scope: "test")
    }

    /// Suspended the day before it would have taken effect: must never be evaluated.
    var stillborn: ExportControl {
        ExportControl(regime: "TEST 2016 No.2", issuer: "Xanadu", announced: "2016-05-01", effective: "2016-07-01",
                      suspendedFrom: "2016-06-30", suspendedUntil: "2017-06-30", elements: ["Ce"], scope: "test")
    }

    func scenario() -> [TradeRow] {
        let after = { (y: Int, m: Int) in y * 12 + m >= 2016 * 12 + 7 }
        var rows = Fx.background("XAA", years: 2014...2016)
        // Controlled dysprosium oxide falls from 20 to 4 t a month; the oxides n.e.s. catch-all rises from 2 to 14.
        rows += Fx.monthly("XAA", "XBB", .export, "28469015", years: 2014...2016) { y, m in after(y, m) ? 4 : 20 * Fx.wiggle(y, m) }
        rows += Fx.monthly("XAA", "XBB", .export, "28469019", years: 2014...2016) { y, m in after(y, m) ? 14 : 2 }
        // Controlled dysprosium metal: usual buyers XBB and XCC fall, a third country XRR appears.
        rows += Fx.monthly("XAA", "XBB", .export, "28053012", years: 2014...2016) { y, m in after(y, m) ? 2 : 10 }
        rows += Fx.monthly("XAA", "XCC", .export, "28053012", years: 2014...2016) { y, m in after(y, m) ? 1 : 10 }
        rows += Fx.monthly("XAA", "XRR", .export, "28053012", years: 2014...2016) { y, m in after(y, m) ? 12 : 0 }
        // Decoys: a catch-all with a second-half peak every year; uncontrolled cerium with a December
        // peak and a February dip; cerium's (stillborn) regime must not be evaluated.
        rows += Fx.monthly("XAA", "XBB", .export, "28469099", years: 2014...2016) { _, m in m >= 7 ? 8 : 2 }
        rows += Fx.monthly("XAA", "XCC", .export, "28461010", years: 2014...2016) { y, m in
            m == 12 ? 40 : (m == 2 ? 1 : (after(y, m) ? 2 : 10))
        }
        rows += Fx.monthly("XAA", "XSS", .export, "28461010", years: 2016...2016) { y, m in after(y, m) ? 20 : 0 }
        return rows
    }

    @Test func catchAllAndThirdCountryRouteFire() throws {
        let found = try Fx.run(ControlDiversionDetector(), scenario(), controls: [regime, stillborn], countries: [xanadu])
        expectWellFormed(found)
        #expect(found.count == 2, "\(found.map(\.summary))")
        let catchAll = try #require(found.first { $0.hsCode == "28469019" })
        #expect(catchAll.reporter == "XAA" && catchAll.partner == nil)
        #expect(catchAll.periodStart == "2016-07" && catchAll.periodEnd == "2016-12")
        #expect(catchAll.summary.contains("After TEST 2016 No.1 (effective 2016-07-01)"))
        #expect(catchAll.summary.contains("28469019 rare-earth oxides n.e.s. rose from 12.0 t to 84.0 t"))
        // XBB, the one buyer, made the switch: listed in the total's finding, not repeated as its own.
        guard case .object(let e) = catchAll.evidence, case .array(let switches)? = e["buyer_switches"] else {
            Issue.record("no buyer_switches"); return
        }
        #expect(switches.map { v -> JSONValue? in if case .object(let o) = v { o["buyer"] } else { nil } } == [.string("XBB")])
        let route = try #require(found.first { $0.partner == "XRR" })
        #expect(route.hsCode == "28053012")
        #expect(route.summary.contains("to XRR rose from 0.0 t to 72.0 t"))
        #expect(route.severity == .medium)
        #expect(!found.contains { $0.summary.contains("No.2") })
    }

    @Test func aHeavyLineMixingControlledAndFreeElementsDoesNotSwampTheFall() throws {
        // Magnet alloys carry Nd, Pr and some Dy: 400 t a month, easing 5 % after the date. Counted as
        // controlled they would hide the −80 % of the dysprosium lines; they are neither controlled nor a channel.
        let after = { (y: Int, m: Int) in y * 12 + m >= 2016 * 12 + 7 }
        let rows = scenario() + Fx.monthly("XAA", "XBB", .export, "85059910", years: 2014...2016) { y, m in
            (after(y, m) ? 380 : 400) * Fx.wiggle(y, m, amplitude: 0.03)
        }
        let found = try Fx.run(ControlDiversionDetector(), rows, controls: [regime], countries: [xanadu])
        let catchAll = try #require(found.first { $0.hsCode == "28469019" }, "\(found.map(\.summary))")
        guard case .object(let e) = catchAll.evidence, case .array(let codes)? = e["controlled_codes"] else {
            Issue.record("evidence"); return
        }
        #expect(!codes.contains(.string("85059910")))
        #expect(!found.contains { $0.hsCode == "85059910" })
        #expect(catchAll.summary.contains("the largest gains went to XBB"), "\(catchAll.summary)")
    }

    @Test func newBuyersOfTheCatchAllAreNamed() throws {
        let after = { (y: Int, m: Int) in y * 12 + m >= 2016 * 12 + 7 }
        let rows = scenario() + Fx.monthly("XAA", "XNN", .export, "28469019", years: 2014...2016) { y, m in after(y, m) ? 9 : 0 }
        let found = try Fx.run(ControlDiversionDetector(), rows, controls: [regime], countries: [xanadu])
        let catchAll = try #require(found.first { $0.hsCode == "28469019" })
        #expect(catchAll.summary.contains("XNN +54.0 t (new)"), "\(catchAll.summary)")
    }

    @Test func unresolvedIssuerChecksEveryExporter() throws {
        let found = try Fx.run(ControlDiversionDetector(), scenario(), controls: [regime])
        guard case .object(let e) = try #require(found.first).evidence else { Issue.record("evidence"); return }
        #expect(e["issuer_resolved"] == .bool(false))
    }

    @Test func anotherIssuersRegimeIgnoresThisExporter() throws {
        var other = regime
        other.issuer = "Otherland"
        let otherland = Country(iso3: "XOO", iso2: "XO", isoNumeric: "901", comtradeCode: "901", nameEN: "Otherland",
                                nameZH: "", aliases: [])
        #expect(try Fx.run(ControlDiversionDetector(), scenario(), controls: [other], countries: [xanadu, otherland]).isEmpty)
    }

    @Test func annualDataUseTheYearsAroundTheDate() throws {
        var rows = Fx.background("XAA", years: 2014...2017).filter { $0.period.year != 2016 }
        rows += Fx.annual("XAA", "XBB", .export, "28469015", [2015: 240, 2017: 50])
        rows += Fx.annual("XAA", "XBB", .export, "28469019", [2015: 24, 2017: 170])
        let annualOnly = rows.filter { $0.period.month == nil }
        let found = try Fx.run(ControlDiversionDetector(), annualOnly, controls: [regime], countries: [xanadu])
        let a = try #require(found.first)
        #expect(a.periodStart == "2017" && a.hsCode == "28469019")
    }

    /// Buyer XBB switches its terbium oxide (controlled) to oxides n.e.s. (catch-all, same heading)
    /// after the date, 6 t a month each way; large steady buyers XCC and XDD keep both totals within
    /// −12 % and +15 %. Decoys: XEE's terbium oxide stops with no catch-all line; XFF's catch-all
    /// rises by the same 6 t a month with no controlled line to fall.
    func buyerSwitch() -> [TradeRow] {
        let after = { (y: Int, m: Int) in y * 12 + m >= 2016 * 12 + 7 }
        var rows = Fx.background("XAA", years: 2014...2016)
        rows += Fx.monthly("XAA", "XBB", .export, "28469021", years: 2014...2016) { y, m in after(y, m) ? 0 : 6 }
        rows += Fx.monthly("XAA", "XBB", .export, "28469019", years: 2014...2016) { y, m in after(y, m) ? 7 : 1 }
        for big in ["XCC", "XDD"] {
            rows += Fx.monthly("XAA", big, .export, "28469021", years: 2014...2016) { _, _ in 50 }
            rows += Fx.monthly("XAA", big, .export, "28469019", years: 2014...2016) { _, _ in 40 }
        }
        rows += Fx.monthly("XAA", "XEE", .export, "28469021", years: 2014...2016) { y, m in after(y, m) ? 0 : 8 }
        rows += Fx.monthly("XAA", "XFF", .export, "28469019", years: 2014...2016) { y, m in after(y, m) ? 7 : 1 }
        return rows
    }

    @Test func aSwitchConfinedToOneBuyerIsFound() throws {
        let found = try Fx.run(ControlDiversionDetector(), buyerSwitch(), controls: [regime], countries: [xanadu])
        expectWellFormed(found)
        #expect(found.count == 1, "\(found.map(\.summary))")
        let a = try #require(found.first)
        #expect(a.reporter == "XAA" && a.partner == "XBB" && a.hsCode == "28469019")
        #expect(a.periodStart == "2016-07" && a.periodEnd == "2016-12")
        #expect(a.score == 1 && a.severity == .high)  // rise 36 t / fall 36 t
        #expect(a.summary == "After TEST 2016 No.1 (effective 2016-07-01), XAA exports to XBB of controlled 28469021 terbium oxide "
            + "fell from 36.0 t to 0.0 t in 2016-07–2016-12 vs 2016-01–2016-06, while its 28469019 rare-earth oxides n.e.s. to XBB "
            + "rose from 6.0 t to 42.0 t: about 36.0 t switched to the catch-all line, a gain equal to 100 % of the fall.", "\(a.summary)")
        guard case .object(let e) = a.evidence else { Issue.record("evidence"); return }
        #expect(e["channel"] == .string("buyer_switch"))
        #expect(e["tonnes_at_stake"] == .number(36))
    }

    @Test func aBuyerSwitchNeedsAComparableTonnage() throws {
        // XBB's catch-all rises 5 times what its controlled line lost: no switch of that tonnage.
        let after = { (y: Int, m: Int) in y * 12 + m >= 2016 * 12 + 7 }
        let rows = buyerSwitch().filter { !($0.partner == "XBB" && $0.hsCode == "28469019") }
            + Fx.monthly("XAA", "XBB", .export, "28469019", years: 2014...2016) { y, m in after(y, m) ? 31 : 1 }
        #expect(try Fx.run(ControlDiversionDetector(), rows, controls: [regime], countries: [xanadu]).isEmpty)
    }
}
