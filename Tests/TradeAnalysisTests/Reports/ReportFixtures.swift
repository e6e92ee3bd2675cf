import Foundation
import TradeCore
@testable import TradeAnalysis

/// A realistic, made-up run: a europium-oxide-like surge to new partners (Chinese product name
/// 氧化铕), a transshipment conduit, a mirror gap between an 8-digit and a 6-digit declaration,
/// and a finding with no trade data at all.
enum ReportFixtures {
    static let europiumName = "氧化铕"

    static func monthly(_ from: Period, _ to: Period) -> [Period] {
        (from.monthIndex...to.monthIndex).map { Period(monthIndex: $0) }
    }

    /// 1...12 of a period made by `monthly`.
    static func month(_ period: Period) -> Int { period.monthIndex % 12 + 1 }

    static func row(_ period: Period, _ reporter: String, _ partner: String, _ flow: Flow, _ code: String,
                    tonnes: Double?, usdPerKg: Double = 30) -> TradeRow {
        TradeRow(period: period, reporter: reporter, partner: partner, flow: flow, hsCode: code,
                 quantityKg: tonnes.map { $0 * 1000 }, valueUSD: tonnes.map { $0 * 1000 * usdPerKg }, rawLine: 1)
    }

    /// Trade rows behind the fixture findings.
    static let trade: [TradeRow] = {
        var rows: [TradeRow] = []
        // China's europium-oxide-like line: small steady exports to JPN, then TUR and SGP appear in 2024.
        for (i, p) in monthly(Period(year: 2020, month: 1), Period(year: 2024, month: 12)).enumerated() {
            rows.append(row(p, "CHN", "JPN", .export, "28469015", tonnes: 0.4 + Double(i % 5) * 0.1))
            if p.year >= 2022, month(p) % 4 == 0 { rows.append(row(p, "CHN", "USA", .export, "28469015", tonnes: 0.2)) }
            if p >= Period(year: 2024, month: 3), p <= Period(year: 2024, month: 9) {
                rows.append(row(p, "CHN", "TUR", .export, "28469015", tonnes: [12, 18, 24, 31, 27, 22, 18.4][month(p) - 3]))
            }
            if p >= Period(year: 2024, month: 2), p <= Period(year: 2024, month: 6) {
                rows.append(row(p, "CHN", "SGP", .export, "28469015", tonnes: [9, 11, 14, 15, 11][month(p) - 2]))
            }
        }
        // Conduit: CHN → MYS → USA for 28469019, MYS's legs surging in the second half of 2023.
        for p in monthly(Period(year: 2020, month: 1), Period(year: 2024, month: 6)) {
            let surge = p >= Period(year: 2023, month: 7) && p <= Period(year: 2023, month: 12)
            let lagged = p >= Period(year: 2023, month: 8) && p <= Period(year: 2024, month: 1)
            rows.append(row(p, "MYS", "CHN", .import, "28469019", tonnes: surge ? 38 + Double(month(p) - 7) * 4 : 2.5))
            rows.append(row(p, "MYS", "USA", .export, "28469019", tonnes: lagged ? 33 + Double((month(p) + 4) % 12) * 3 : 0.8))
            rows.append(row(p, "CHN", "MYS", .export, "28469019", tonnes: surge ? 35 : 2.2))
        }
        // Mirror: CHN declares 8-digit lines (annual), JPN declares the 6-digit heading.
        for year in 2017...2023 {
            let p = Period(year: year)
            rows.append(row(p, "CHN", "JPN", .export, "28053010", tonnes: 800))
            rows.append(row(p, "CHN", "JPN", .export, "28053090", tonnes: 200))
            rows.append(row(p, "JPN", "CHN", .import, "280530", tonnes: year >= 2022 ? 1590 : 1040))
            rows.append(row(p, "CHN", "KOR", .export, "28053010", tonnes: 100)) // another partner: must not leak in
        }
        return rows
    }()

    static let newPartner = Anomaly(
        detector: "new_partner", severity: .high, score: 0.71, reporter: "CHN", partner: "TUR", hsCode: "28469015",
        periodStart: "2024-03", periodEnd: "2024-09",
        summary: "CHN exported 152.4 t of europium oxide (\(europiumName), HS 28469015) to TUR in 2024-03…2024-09, a partner with no exports in the previous 36 months; TUR took 71 % of the line.",
        evidence: ["declared_by": "CHN", "flow": "export", "observed_t": 152.4, "code_total_t": 214.6, "share": 0.71,
                   "baseline_partner_median_t": 0, "description_zh": .string(europiumName),
                   "thresholds": ["min_share": 0.2, "min_tonnes": 5]])

    static let spike = Anomaly(
        detector: "volume_spike", severity: .medium, score: 6.4, reporter: "CHN", partner: nil, hsCode: "28469015",
        periodStart: "2024-02", periodEnd: "2024-09",
        summary: "CHN's exports of HS 28469015 (\(europiumName)) reached 41.2 t in 2024-05, 48× the trailing median of 0.85 t.",
        evidence: ["declared_by": "CHN", "flow": "export", "series": "total", "mode": "monthly", "observed_t": 41.2,
                   "expected_t": 0.85, "baseline_median_t": 0.85, "ratio": 48.5, "z": 6.4,
                   "thresholds": ["monthly_baseline_months": 12]])

    static let conduit = Anomaly(
        detector: "transshipment_conduit", severity: .high, score: 0.5, reporter: "CHN", partner: "USA", via: "MYS",
        hsCode: "28469019", periodStart: "2023-07", periodEnd: "2023-12",
        summary: "MYS imported 288 t of HS 28469019 from CHN in 2023-07…2023-12 and exported 243 t to USA one month later; MYS mines no rare earths of this kind (USGS), so ≈243 t likely passed through.",
        evidence: ["origin": "CHN", "via": "MYS", "destination": "USA", "compared_at": "28469019",
                   "observed": ["origin_to_via_t": 288, "via_to_destination_t": 243, "lag_months": 1], "transshipped_t": 243,
                   "freund": ["origin_share_of_via_imports": ["pre": 0.4, "post": 0.9]]])

    static let mirror = Anomaly(
        detector: "mirror_gap", severity: .medium, score: 0.59, reporter: "CHN", partner: "JPN", hsCode: "28053010",
        periodStart: "2022", periodEnd: "2023",
        summary: "JPN declared 59 % more imports of HS 280530 from CHN (1,590 t) than CHN declared as exports (1,000 t) in 2022 and 2023; the CIF/FOB allowance is 5 %.",
        evidence: ["exporter": "CHN", "importer": "JPN", "compared_at": "280530", "mode": "annual",
                   "baseline": ["kg": 2_000_000], "observed": ["kg": 3_180_000], "gap_kg": 0.59, "kg_counted": true,
                   "usd_counted": false, "periods_compared": ["window": "2022–2023"], "thresholds": ["cif_fob_allowance": 0.05]])

    static let unitValue = Anomaly(
        detector: "unit_value_outlier", severity: .low, score: 4.2, reporter: "CHN", partner: "KOR", hsCode: "28469099",
        periodStart: "2024-11", periodEnd: "2024-11",
        summary: "Unit value 3.1 USD/kg vs the code's usual 48 USD/kg <possible 伪报品名> & mis-invoicing.",
        evidence: ["declared_by": "CHN", "flow": "export", "valuation_basis": "FOB", "observed": ["usd_per_kg": 3.1],
                   "baseline": ["median_usd_per_kg": 48], "ratio": 0.065, "z": -4.2, "nan_probe": .number(.nan)])

    static func finding(_ id: Int64, _ anomaly: Anomaly) -> ReportFinding {
        ReportFinding(id: id, anomaly: anomaly, chart: ChartBuilder.chart(for: anomaly, index: ChartTradeIndex(rows: trade)))
    }

    /// 2025-02-03T04:00:00Z, when the fixture run started; the other instants are offsets from it.
    static let runStart = Date(timeIntervalSince1970: 1_738_555_200)
    static let day: TimeInterval = 86_400

    static let input = ReportInput(
        run: RunSummary(runID: 42, startedAt: runStart, finishedAt: runStart + 3 * 60 + 12,
                        status: "succeeded", filesLoaded: 5, filesSkipped: 49, filesFailed: 0,
                        rowsLoaded: 6_120, rowsRejected: 20, detectorVersion: "2025.02-1"),
        sources: [
            SourceSummary(name: "china-customs", files: 48, rows: 12_840, rejected: 3, newestPeriod: Period("2024-12"),
                          lastLoad: runStart + 70),
            SourceSummary(name: "comtrade", files: 6, rows: 48_211, rejected: 17, newestPeriod: Period("2024-06"),
                          lastLoad: runStart - 125 * day, stale: true, daysBehind: 120),
            SourceSummary(name: "usgs-mcs", files: 1, rows: 842, rejected: 0, newestPeriod: Period("2024"),
                          lastLoad: runStart - 3 * day),
        ],
        findings: [
            finding(5, unitValue), finding(2, spike), finding(3, conduit), finding(1, newPartner), finding(4, mirror),
        ])
}

/// The fixture run with its findings grouped into two cases: the CHN/JPN mirror gap alone (rank 1),
/// and the europium-oxide event of 2024 (rank 2) as a new partner, the importer's mirror of that
/// flow and the exporter's spike. The conduit and the unit-value finding belong to no case.
extension ReportFixtures {
    static let turkeyMirror = Anomaly(
        detector: "mirror_gap", severity: .medium, score: 3.0, reporter: "CHN", partner: "TUR", hsCode: "28469015",
        periodStart: "2024-03", periodEnd: "2024-09",
        summary: "TUR declared 12 % more imports of HS 28469015 from CHN (170.7 t) than CHN declared as exports (152.4 t) in 2024-03…2024-09.",
        evidence: ["baseline": ["kg": 152_400, "usd_fob": 4_572_000], "observed": ["kg": 170_700, "usd_fob": 5_121_000]],
        declaredBy: "CHN+TUR")

    static let europiumCase = ReportCase(id: 12, tradeCase: TradeCase(
        rank: 2, severity: .high, confidence: 0.85, category: .trade, reporter: "CHN", partner: "TUR", via: nil,
        hsCode: "28469015", periodStart: "2024-02", periodEnd: "2024-09", tonnesAtStake: 152.4, usdAtStake: 4_572_000,
        summary: newPartner.summary + " Also in this case: mirror_gap, volume_spike. Both the exporter's and the importer's declarations show it.",
        findings: []), findingIDs: [1, 6, 2])

    static let japanCase = ReportCase(id: 11, tradeCase: TradeCase(
        rank: 1, severity: .medium, confidence: 0.45, category: .trade, reporter: "CHN", partner: "JPN", via: nil,
        hsCode: "280530", periodStart: "2022", periodEnd: "2023", tonnesAtStake: 590, usdAtStake: 17_700_000,
        summary: mirror.summary, findings: []), findingIDs: [4])

    static let casedInput: ReportInput = {
        var input = Self.input
        var lead = newPartner
        lead.declaredBy = "CHN"
        input.findings = [finding(5, unitValue), finding(2, spike), finding(3, conduit), finding(1, lead),
                          finding(4, mirror), finding(6, turkeyMirror)]
        // Listed out of rank order: the report orders by rank.
        input.cases = [europiumCase, japanCase]
        return input
    }()
}
