import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// Cases: findings about one event are one case; cases rank by what is at stake and confidence.
@Suite("cases") struct CaseBuilderTests {
    func finding(_ detector: String, _ reporter: String, _ partner: String?, via: String? = nil, _ code: String,
                 _ start: String, _ end: String, declaredBy: String?, severity: Anomaly.Severity = .high,
                 evidence: [String: JSONValue]) -> Anomaly {
        Anomaly(detector: detector, severity: severity, score: 1, reporter: reporter, partner: partner, via: via,
                hsCode: code, periodStart: start, periodEnd: end, summary: "\(detector) \(reporter)→\(partner ?? "all") \(code).",
                evidence: .object(evidence), declaredBy: declaredBy)
    }

    let empty = DetectionInput(trade: [])

    /// The europium pattern in made-up names: a new buyer seen by the exporter, the same flow's surge
    /// seen by the buyer, the exporter's total, a second new buyer, and a conduit onwards.
    func event() -> [Anomaly] {
        [
            finding("new_partner", "XCN", "XTR", "28469014", "2024-03", "2024-12", declaredBy: "XCN",
                    evidence: ["observed_t": 150, "baseline_partner_median_t": 0, "tonnes_at_stake": 150, "usd_at_stake": 4_500_000]),
            finding("volume_spike", "XCN", "XTR", "284690", "2024-05", "2025-01", declaredBy: "XTR",
                    evidence: ["observed_t": 144.8, "expected_t": 2]),
            finding("volume_spike", "XCN", nil, "28469014", "2024-04", "2025-04", declaredBy: "XCN",
                    evidence: ["observed_t": 212, "expected_t": 6]),
            finding("new_partner", "XCN", "XSG", "28469014", "2024-04", "2024-12", declaredBy: "XCN", severity: .medium,
                    evidence: ["observed_t": 60, "baseline_partner_median_t": 0]),
            finding("transshipment_conduit", "XCN", "XDE", via: "XTR", "284690", "2024-03", "2025-03", declaredBy: "XCN+XTR+XDE",
                    severity: .medium, evidence: ["transshipped_t": 57]),
        ]
    }

    @Test func oneEventIsOneCase() throws {
        let others = [
            // A lot's price is its own matter, even on the same flow and months.
            finding("unit_value_outlier", "XCN", "XTR", "28469014", "2024-06", "2024-06", declaredBy: "XCN",
                    evidence: ["observed": ["kg": 3400, "usd": 1_360_000], "baseline": ["median_usd_per_kg": 2]]),
            // The same flow two years earlier, and another code of the same exporter: other events.
            finding("volume_spike", "XCN", "XTR", "28469014", "2022-01", "2022-06", declaredBy: "XCN",
                    evidence: ["observed_t": 50, "expected_t": 10]),
            finding("volume_spike", "XCN", "XKR", "28053011", "2024-05", "2024-07", declaredBy: "XCN",
                    evidence: ["observed_t": 229.5, "expected_t": 35.8]),
        ]
        let findings = event() + others
        let cases = CaseBuilder.cases(findings, input: empty)
        #expect(cases.count == 4)
        let big = try #require(cases.first { $0.findings.count == 5 })
        #expect(Set(big.findings) == Set(0..<5))
        // Led by the finding that explains the others; both declarers seen, several detectors: 0.6 + 0.2 + 0.1.
        #expect(findings[big.findings[0]].detector == "transshipment_conduit")
        #expect(big.confidence == 0.9)
        #expect(big.severity == .high)
        #expect(big.via == "XTR" && big.hsCode == "284690" && big.periodStart == "2024-03" && big.periodEnd == "2025-04")
        // What is at stake: the largest of its findings' amounts (one event seen several times is not summed).
        #expect(big.tonnesAtStake == 206)
        #expect(big.usdAtStake == 4_500_000)
        #expect(cases.map(\.rank) == Array(1...4))
    }

    @Test func controlAndItsChannelsAreOneCase() {
        let control = ["regime": JSONValue.string("R1"), "fell": ["pre_season_adjusted_t": 1400, "post_t": 400],
                       "rose": ["pre_season_adjusted_t": 600, "post_t": 2400]] as [String: JSONValue]
        let other = ["regime": JSONValue.string("R2"), "fell": ["pre_season_adjusted_t": 100, "post_t": 40],
                     "rose": ["pre_season_adjusted_t": 10, "post_t": 90]] as [String: JSONValue]
        let findings = [
            finding("control_diversion", "XCN", nil, "28469019", "2025-04", "2025-12", declaredBy: "XCN", evidence: control),
            finding("control_diversion", "XCN", "XMY", "28053013", "2025-04", "2025-12", declaredBy: "XCN", evidence: control),
            finding("control_diversion", "XCN", nil, "28469099", "2025-04", "2025-12", declaredBy: "XCN", evidence: other),
        ]
        let cases = CaseBuilder.cases(findings, input: empty)
        #expect(cases.map { Set($0.findings) }.contains([0, 1]))
        #expect(cases.count == 2)
        // The tonnage switched: the smaller of the fall (1000 t) and the rise (1800 t).
        #expect(cases.first { $0.findings.count == 2 }?.tonnesAtStake == 1000)
    }

    @Test func rankingWeighsDollarsAndConfidenceNotACappedRatio() {
        // A $1.5 M gap at the ratio cap and a $500 M gap of 40 %: the larger amount ranks first.
        let small = finding("mirror_gap", "XAA", "XBB", "2846", "2020", "2020", declaredBy: "XAA+XBB",
                            evidence: ["baseline": ["usd_fob": 56_000, "kg": 1000], "observed": ["usd_fob": 1_556_000, "kg": 30_000]])
        let large = finding("mirror_gap", "XCC", "XDD", "2846", "2020", "2020", declaredBy: "XCC+XDD", severity: .medium,
                            evidence: ["baseline": ["usd_fob": 1_250_000_000, "kg": 5_000_000],
                                       "observed": ["usd_fob": 1_750_000_000, "kg": 7_000_000]])
        let cases = CaseBuilder.cases([small, large], input: empty)
        #expect(cases.map { $0.findings[0] } == [1, 0])
        #expect(cases[0].usdAtStake == 500_000_000 && cases[1].usdAtStake == 1_500_000)
    }

    @Test func aCappedGapReadsAsTwoAmounts() {
        let detector = MirrorGapDetector()
        let settings = DetectorSettings()
        var x = Cell(), m = Cell()
        x.usd = 56_000; x.kg = 1000; x.rowsWithKg = 1; x.rows = 1
        m.usd = 1_500_000; m.kg = 30_000; m.rowsWithKg = 1; m.rows = 1
        let gap = detector.compare(x, m, settings.mirrorGap)!
        let text = MirrorGapDetector.direction(gap, cap: settings.mirrorGap.gapCap)
        #expect(text.contains("$1.5 M against $56"), "\(text)")
        #expect(!text.contains("1000 %"))
    }
}

@Suite("most specific line") struct KeepMostSpecificTests {
    func spike(_ partner: String, _ code: String, _ start: String, _ end: String) -> Anomaly {
        Anomaly(detector: "volume_spike", severity: .high, score: 5, reporter: "XCN", partner: partner, hsCode: code,
                periodStart: start, periodEnd: end, summary: "\(partner) \(code) \(start).", evidence: .object([:]))
    }

    @Test func aHeadingGivesWayToTheLineThatRefinesItOnlyForTheSamePairAndMonths() {
        let found = [
            spike("XTR", "2846", "2024-01", "2024-06"),      // refined by 28469014 in overlapping months: dropped
            spike("XTR", "28469014", "2024-03", "2024-04"),
            spike("XTR", "2805", "2024-01", "2024-06"),      // 2805 lines found only in other months: kept
            spike("XTR", "28053011", "2023-01", "2023-02"),
            spike("XSG", "2846", "2024-01", "2024-06"),      // another partner: kept
            spike("XTR", "2847", "2024-01", "2024-06"),      // a code that merely sorts after: kept
        ]
        let kept = DetectorSuite.keepMostSpecific(found).map { "\($0.partner!) \($0.hsCode!) \($0.periodStart)" }
        #expect(kept == ["XTR 28469014 2024-03", "XTR 2805 2024-01", "XTR 28053011 2023-01", "XSG 2846 2024-01",
                         "XTR 2847 2024-01"])
    }
}
