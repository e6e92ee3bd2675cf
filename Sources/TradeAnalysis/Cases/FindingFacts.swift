import Foundation
import TradeCore

/// What the case builder needs to know of one finding: who declared it, which goods and months it
/// is about, and what is at stake.
struct FindingFacts {
    var category: Anomaly.Category
    var reporter: String
    /// The importer, or nil for a series over all partners.
    var partner: String?
    var via: String?
    /// The 4-digit heading (a shorter code is its own), or `*` when the finding names no code.
    var family: String
    /// Month indices of the first and last month the finding spans.
    var lo: Int
    var hi: Int
    /// Tonnes in excess of expectation, in the gap, or moved.
    var tonnes: Double?
    var usd: Double?
    /// The control regime of a control_diversion finding.
    var regime: String?
    /// For a series over all partners: the partners its rise came from (`partner_gains`), when it names them.
    var gains: Set<String>?

    init(_ a: Anomaly, cube: TradeCube) {
        category = a.category
        reporter = a.reporter ?? "*"
        partner = a.partner == "WLD" ? nil : a.partner
        via = a.via
        family = a.hsCode.map(TradeCube.family) ?? "*"
        lo = Period(a.periodStart)?.monthIndex ?? 0
        // A rolling 12-month finding is dated by the end of its first window: its months began 11 earlier.
        if a.evidence["mode"]?.stringValue == "rolling_12_months", a.detector == "volume_spike" { lo -= 11 }
        let end = Period(a.periodEnd)
        hi = end.map { $0.month == nil ? $0.year * 12 + 11 : $0.monthIndex } ?? lo
        regime = a.evidence["regime"]?.stringValue
        if case .array(let items)? = a.evidence["partner_gains"] {
            gains = Set(items.compactMap { $0["partner"]?.stringValue })
        }
        (tonnes, usd) = Self.stake(a)
        if usd == nil, let t = tonnes, let uv = Self.unitValue(a, cube: cube, lo: lo, hi: hi) { usd = t * 1000 * uv }
    }

    /// Tonnes and USD at stake from a finding's evidence. A detector may state them
    /// (`tonnes_at_stake`, `usd_at_stake`); otherwise they follow from the detector's own figures.
    static func stake(_ a: Anomaly) -> (tonnes: Double?, usd: Double?) {
        let e = a.evidence
        if let t = e["tonnes_at_stake"]?.numberValue { return (t, e["usd_at_stake"]?.numberValue) }
        switch a.detector {
        case "volume_spike":
            let observed = e["observed_t"]?.numberValue ?? e["observed"]?["tonnes"]?.numberValue
            let expected = e["expected_t"]?.numberValue
            guard let o = observed else { return (nil, nil) }
            return (max(o - (expected ?? 0), 0), nil)
        case "new_partner":
            guard let o = e["observed_t"]?.numberValue else { return (nil, nil) }
            return (max(o - (e["baseline_partner_median_t"]?.numberValue ?? 0), 0), nil)
        case "mirror_gap":
            let xKg = e["baseline"]?["kg"]?.numberValue, mKg = e["observed"]?["kg"]?.numberValue
            let xUSD = e["baseline"]?["usd_fob"]?.numberValue, mUSD = e["observed"]?["usd_fob"]?.numberValue
            let tonnes = xKg.flatMap { x in mKg.map { abs($0 - x) / 1000 } }
            let usd = xUSD.flatMap { x in mUSD.map { abs($0 - x) } }
            return (tonnes, usd)
        case "transshipment_conduit":
            return (e["transshipped_t"]?.numberValue, nil)
        case "unit_value_outlier":
            guard let kg = e["observed"]?["kg"]?.numberValue, let usd = e["observed"]?["usd"]?.numberValue,
                  let median = e["baseline"]?["median_usd_per_kg"]?.numberValue else { return (nil, nil) }
            return (kg / 1000, abs(usd - kg * median))
        case "control_diversion":
            guard let pre = e["fell"]?["pre_season_adjusted_t"]?.numberValue, let post = e["fell"]?["post_t"]?.numberValue,
                  let rosePre = e["rose"]?["pre_season_adjusted_t"]?.numberValue,
                  let rosePost = e["rose"]?["post_t"]?.numberValue else { return (nil, nil) }
            return (max(min(pre - post, rosePost - rosePre), 0), nil)
        default:
            return (nil, nil)
        }
    }

    /// USD per kg of what the finding's declarer traded in the finding's months (nil without weights).
    static func unitValue(_ a: Anomaly, cube: TradeCube, lo: Int, hi: Int) -> Double? {
        guard let code = a.hsCode, let reporter = a.reporter else { return nil }
        let declarer = a.declaredBy.flatMap { $0.contains("+") ? nil : $0 } ?? reporter
        let flows: [Flow] = declarer == reporter ? [.export, .reExport] : [.import, .reImport]
        let counterpart = declarer == reporter ? (a.via ?? a.partner) : reporter
        var kg = 0.0, usd = 0.0
        for flow in flows {
            let series = counterpart.map { cube.partnerSeries(declarer, flow, key: code, partner: $0) }
                ?? cube.totalSeries(declarer, flow, key: code)
            for (period, cell) in series where cell.hasKg && cell.usd > 0 {
                let m = period.monthIndex, end = period.month == nil ? m + 11 : m
                guard end >= lo, m <= hi else { continue }
                kg += cell.kg
                usd += cell.usd
            }
        }
        return kg > 0 ? usd / kg : nil
    }
}
