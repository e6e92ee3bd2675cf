import Foundation
import TradeCore

/// One chart per detector, each showing what that detector compared.
extension ChartBuilder {
    static let empty = FindingChart(series: [])

    /// `unit_value_outlier`: the flagged series' USD/kg against the peers' band per period (the
    /// median and middle half of every declaration of the same code on the same valuation basis).
    static func unitValueChart(_ c: Context) -> FindingChart {
        guard let (declarer, flow) = c.declaration, let code = c.code else { return empty }
        let leg = Leg(declarer: declarer, flow: flow, partner: c.counterpart(of: declarer), codes: [code], source: c.text("source"))
        guard let resolved = resolve(leg, index: c.index) else { return empty }
        let annual = c.start.month == nil
        let axis = timeAxis(c, annual: annual, data: [resolved])
        let observed = series(resolved, label: "Unit value, this series: \(describe(leg))\(suffix(resolved))",
                              measure: .usdPerKg, role: .observed, axis: axis, annual: annual, index: c.index)
        let cif = c.text("valuation_basis").map { $0 == "CIF" } ?? (flow == .import || flow == .reImport)
        let band = peerBand(c, code: code, cif: cif, axis: axis, preferredSource: resolved.source)
        let basis = cif ? "CIF" : "FOB"
        let note = "The band is the middle half (25th–75th percentile) of the unit values of every \(basis) declaration of "
            + "HS \(code) in each period (any declarer and partner, at least 3 a period), the dashed line their median; "
            + "the detector pools \(peerWindowText(c)) of them."
        return FindingChart(series: [observed, band], note: note)
    }

    /// The per-period median and quartiles of the code's unit values: one declaration per
    /// declarer, partner, flow and period (the flagged series' source where it has one, else the
    /// first source by name), on one valuation basis.
    static func peerBand(_ c: Context, code: String, cif: Bool, axis: [Period], preferredSource: String) -> ChartSeries {
        struct Key: Hashable { var reporter: String, partner: String, flow: Flow, period: Period }
        var chosen: [Key: (source: String, usd: Double, kg: Double)] = [:]
        let annual = axis.first?.month == nil
        for i in c.index.positions(code: code) {
            let row = c.index.rows[i], source = c.index.sources[i]
            guard row.partner != "WLD", (row.period.month == nil) == annual,
                  let kg = row.quantityKg, kg > 0, let usd = row.valueUSD, usd > 0 else { continue }
            let rowCIF = row.valuation == .cif || (row.valuation == .unknown && (row.flow == .import || row.flow == .reImport))
            guard rowCIF == cif else { continue }
            let key = Key(reporter: row.reporter, partner: row.partner, flow: row.flow, period: row.period)
            if let held = chosen[key] {
                let better = held.source != preferredSource && (source == preferredSource || source < held.source)
                if held.source == source { chosen[key] = (source, held.usd + usd, held.kg + kg) } else if better { chosen[key] = (source, usd, kg) }
            } else {
                chosen[key] = (source, usd, kg)
            }
        }
        let byPeriod = Dictionary(grouping: chosen, by: { $0.key.period }).mapValues { $0.map { $0.value.usd / $0.value.kg }.sorted() }
        let points = axis.map { period -> ChartSeries.Point in
            guard let values = byPeriod[period], values.count >= 3 else { return ChartSeries.Point(period: period.description, value: nil) }
            return ChartSeries.Point(period: period.description, value: quantile(values, 0.5),
                                     low: quantile(values, 0.25), high: quantile(values, 0.75))
        }
        return ChartSeries(label: "Peers: median and middle half of HS \(code) (\(cif ? "CIF" : "FOB")) unit values",
                           points: points, unit: .usdPerKg, role: .band)
    }

    static func peerWindowText(_ c: Context) -> String {
        let years = c.number("thresholds.peer_window_years").map { Int($0) } ?? 1
        return "the \(2 * years + 1) years around each period"
    }

    /// Linear interpolation between order statistics of sorted `values`.
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let position = q * Double(values.count - 1)
        let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
        return values[lower] + (values[upper] - values[lower]) * (position - Double(lower))
    }

    /// `volume_spike`: the declarer's own series (the one the finding is about, on its own scale)
    /// with a baseline of the same time basis: 12-month totals against the same 12-month windows
    /// of earlier years, single months against the trailing months' median, years against the
    /// previous years' median.
    static func volumeChart(_ c: Context) -> FindingChart {
        guard let (declarer, flow) = c.declaration else { return empty }
        let partner = c.text("series") == "partner" ? c.counterpart(of: declarer) : nil
        let leg = Leg(declarer: declarer, flow: flow, partner: partner, codes: [c.code].compactMap { $0 }, source: c.text("source"))
        guard let resolved = resolve(leg, index: c.index) else { return empty }
        let name = describe(leg) + suffix(resolved)
        switch c.text("mode") ?? (c.start.month == nil ? "annual" : "monthly") {
        case "rolling_12_months":
            return rollingVolumeChart(c, resolved, name: name)
        case "monthly":
            let months = c.number("thresholds.monthly_baseline_months").map { Int($0) } ?? 12
            return trailingMedianChart(c, resolved, name: name, annual: false, window: months,
                                       note: "Each month is judged against the median of the \(months) months before it (raised for a recurring season).")
        default:
            let years = c.number("thresholds.baseline_years").map { Int($0) } ?? 3
            return trailingMedianChart(c, resolved, name: name, annual: true, window: years,
                                       note: "Each year is judged against the trend of the \(years) years before it.")
        }
    }

    /// A series with the median of the `window` periods before each period, on one time basis
    /// (months or years).
    private static func trailingMedianChart(_ c: Context, _ resolved: ResolvedLeg, name: String, annual: Bool,
                                            window: Int, note: String) -> FindingChart {
        let axis = timeAxis(c, annual: annual, data: [resolved])
        let observed = series(resolved, label: "\(name), \(annual ? "yearly" : "monthly")", measure: .tonnes,
                              role: .observed, axis: axis, annual: annual, index: c.index)
        let earlier = extendedValues(resolved, measure: .tonnes, axis: axis, before: window, index: c.index)
        let baseline = axis.indices.map { j in median(earlier[j..<(j + window)].compactMap { $0 }) }
        let label = "Baseline: median of the previous \(window) \(annual ? "years" : "months")"
        return FindingChart(series: [observed, derived(label, axis: axis, values: baseline, unit: .tonnes)], note: note)
    }

    /// Rolling 12-month totals of the declarer's series, each against the median of the same
    /// 12-month window in the previous `baseline_years` years.
    static func rollingVolumeChart(_ c: Context, _ resolved: ResolvedLeg, name: String) -> FindingChart {
        let years = c.number("thresholds.baseline_years").map { Int($0) } ?? 3
        let axis = timeAxis(c, annual: false, data: [resolved])
        let totals = rollingTotals(resolved, measure: .tonnes, axis: axis, yearsBefore: years, index: c.index)
        let offset = 12 * years
        let observed = Array(totals[offset...])
        let baseline = axis.indices.map { j in median((1...years).compactMap { totals[offset + j - 12 * $0] }) }
        let series = ChartSeries(label: "\(name), 12-month total to each month",
                                 points: zip(axis, observed).map { ChartSeries.Point(period: $0.description, value: $1) },
                                 unit: .tonnes, role: .observed, query: query(resolved, measure: .tonnes12, annual: false))
        return FindingChart(series: [series, derived("Baseline: median of the same 12-month window in the previous \(years) years",
                                                     axis: axis, values: baseline, unit: .tonnes)],
                            note: "Each point is the total of the 12 months ending that month, as the detector compares them.")
    }

    /// The leg's 12-month totals ending at each month of `axis`, preceded by `12 × yearsBefore`
    /// earlier months' totals (nil where none of the 12 months was published).
    static func rollingTotals(_ leg: ResolvedLeg, measure: ChartQuery.Measure, axis: [Period], yearsBefore: Int,
                              index: ChartTradeIndex) -> [Double?] {
        let monthly = extendedValues(leg, measure: measure, axis: axis, before: 12 * yearsBefore + 11, index: index)
        return (11..<monthly.count).map { i in
            let window = monthly[(i - 11)...i]
            return window.allSatisfy { $0 == nil } ? nil : window.compactMap { $0 }.reduce(0, +)
        }
    }

    /// The leg's values on `axis` preceded by `before` earlier periods of the same frequency.
    static func extendedValues(_ leg: ResolvedLeg, measure: ChartQuery.Measure, axis: [Period], before: Int,
                               index: ChartTradeIndex) -> [Double?] {
        guard let first = axis.first, let last = axis.last else { return [] }
        let annual = first.month == nil
        let extended = annual ? ((first.year - before)...last.year).map { Period(year: $0) }
            : ((first.monthIndex - before)...last.monthIndex).map { Period(monthIndex: $0) }
        let sums = sums(leg, index: index, annual: annual)
        return points(leg, measure: measure, axis: extended, index: index, sums: sums).map(\.value)
    }

    /// A series computed from plotted ones (a baseline), dashed.
    static func derived(_ label: String, axis: [Period], values: [Double?], unit: ChartSeries.Unit) -> ChartSeries {
        ChartSeries(label: label, points: zip(axis, values).map { ChartSeries.Point(period: $0.description, value: $1) },
                    unit: unit, role: .baseline)
    }

    static func median(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : quantile(values.sorted(), 0.5)
    }
}
