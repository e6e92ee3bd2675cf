import Foundation
import TradeCore

/// The charts of detectors that compare two declarations or two flows.
extension ChartBuilder {
    /// `mirror_gap`: the exporter's declared exports and the importer's declared imports side by
    /// side, at the code both roll up to, in the measure the gap was counted in (calendar years, or
    /// 12-month totals when the windows were rolling).
    static func mirrorChart(_ c: Context) -> FindingChart {
        guard let exporter = c.anomaly.reporter, let importer = c.anomaly.partner else { return empty }
        let code = c.text("compared_at") ?? c.code
        let legs = [
            Leg(declarer: exporter, flow: .export, partner: importer, codes: [code].compactMap { $0 },
                source: c.text("sources.exporter_source")),
            Leg(declarer: importer, flow: .import, partner: exporter, codes: [code].compactMap { $0 },
                source: c.text("sources.importer_source")),
        ]
        let usd = c.value("usd_counted") == .bool(true) || c.value("kg_counted") != .bool(true)
        let allowance = c.number("thresholds.cif_fob_allowance").map { " (the detector allows \(AnomalyText.percent($0)) for that)" } ?? ""
        let note = "Both declarations as declared: imports are valued CIF, exports FOB\(allowance)."
        return pairChart(c, legs: legs, labels: ["Declared by the exporter: ", "Declared by the importer: "],
                         measure: usd ? .usd : .tonnes, note: note)
    }

    /// `source_conflict`: the two sources' figures for one declaration side by side, by year.
    static func sourceConflictChart(_ c: Context) -> FindingChart {
        guard let (declarer, flow) = c.declaration else { return empty }
        let partner = c.text("partner_declared") ?? c.counterpart(of: declarer)
        let code = c.text("compared_at") ?? c.code
        let legs = c.strings("sources").prefix(2).map { source in
            Leg(declarer: declarer, flow: flow, partner: partner, codes: [code].compactMap { $0 }, source: source)
        }
        let weight = c.number("ratio.weight") != nil
        var chart = pairChart(c, legs: Array(legs), labels: ["Source 1: ", "Source 2: "], measure: weight ? .tonnes : .usd,
                              annualOnly: true, note: "Each source's figures as it published them (not CIF/FOB-adjusted), summed by calendar year.")
        // Each line must be its own source: one whose rows are missing is no line.
        chart.series = chart.series.filter { s in legs.contains { $0.source == s.query?.source } }
        return chart
    }

    /// Two declarations on one axis: annual when the finding is, else 12-month totals per month.
    static func pairChart(_ c: Context, legs: [Leg], labels: [String], measure: ChartQuery.Measure,
                          annualOnly: Bool = false, note: String) -> FindingChart {
        let resolved = legs.compactMap { resolve($0, index: c.index) }
        guard !resolved.isEmpty else { return empty }
        let annual = annualOnly || c.start.month == nil
        let axis = timeAxis(c, annual: annual, data: resolved)
        let roles: [ChartSeries.Role] = [.observed, .secondLeg]
        let series = resolved.enumerated().map { i, leg -> ChartSeries in
            let label = labels[min(i, labels.count - 1)] + describe(leg.leg) + suffix(leg)
            if annual {
                return Self.series(leg, label: label, measure: measure, role: roles[min(i, 1)], axis: axis, annual: true, index: c.index)
            }
            let rolled: ChartQuery.Measure = measure == .usd ? .usd12 : .tonnes12
            let totals = rollingTotals(leg, measure: measure, axis: axis, yearsBefore: 0, index: c.index)
            return ChartSeries(label: label + ", 12-month total to each month",
                               points: zip(axis, totals).map { ChartSeries.Point(period: $0.description, value: $1) },
                               unit: unit(of: measure), role: roles[min(i, 1)], query: query(leg, measure: rolled, annual: false))
        }
        return FindingChart(series: series, note: note)
    }

    /// `control_diversion`: the controlled lines falling and the channel rising, on one axis, with
    /// the control's effective date marked.
    static func controlChart(_ c: Context) -> FindingChart {
        guard let exporter = c.anomaly.reporter, let code = c.code else { return empty }
        let buyerCodes = c.strings("buyer_controlled_codes")
        let controlled = buyerCodes.isEmpty ? c.strings("controlled_codes") : buyerCodes
        let partner = c.anomaly.partner == "WLD" ? nil : c.anomaly.partner
        let fell: Leg, rose: Leg
        switch c.text("channel") {
        case "third_country_route":
            rose = Leg(declarer: exporter, flow: .export, partner: partner, codes: [code], source: c.text("source"))
            fell = Leg(declarer: exporter, flow: .export, partner: nil, excludedPartner: partner, codes: [code], source: c.text("source"))
        case "buyer_switch":
            rose = Leg(declarer: exporter, flow: .export, partner: partner, codes: [code], source: c.text("source"))
            fell = Leg(declarer: exporter, flow: .export, partner: partner, codes: controlled, source: nil)
        default:
            rose = Leg(declarer: exporter, flow: .export, partner: nil, codes: [code], source: c.text("source"))
            fell = Leg(declarer: exporter, flow: .export, partner: nil, codes: controlled, source: nil)
        }
        let resolvedFell = resolve(fell, index: c.index), resolvedRose = resolve(rose, index: c.index)
        let data = [resolvedFell, resolvedRose].compactMap { $0 }
        guard !data.isEmpty else { return empty }
        let annual = c.text("periods_compared.granularity") == "annual" || c.start.month == nil
        let axis = timeAxis(c, annual: annual, data: data)
        var series: [ChartSeries] = []
        if let leg = resolvedFell {
            let what = c.text("channel") == "third_country_route" ? "Before/after: " : "Controlled lines: "
            series.append(Self.series(leg, label: what + describe(fell) + suffix(leg), measure: .tonnes, role: .observed,
                                      axis: axis, annual: annual, index: c.index))
        }
        if let leg = resolvedRose {
            let what = c.text("channel") == "third_country_route" ? "Route: " : "Catch-all line: "
            series.append(Self.series(leg, label: what + describe(rose) + suffix(leg), measure: .tonnes, role: .secondLeg,
                                      axis: axis, annual: annual, index: c.index))
        }
        var markers: [ChartMarker] = []
        if let effective = c.text("effective"), let period = Period(String(effective.prefix(annual ? 4 : 7))) {
            markers.append(ChartMarker(period: period.description, label: "\(c.text("regime") ?? "control") effective \(effective)"))
        }
        let windows = [c.text("periods_compared.pre"), c.text("periods_compared.post")].compactMap { $0 }
        let note = windows.count == 2 ? "The detector compares \(windows[0]) (before) with \(windows[1]) (after)." : nil
        return FindingChart(series: series, markers: markers, note: note)
    }

    /// `transshipment_conduit`: both legs (into the conduit and out of it) on one axis, with the
    /// lag between them stated.
    static func conduitChart(_ c: Context) -> FindingChart {
        guard let origin = c.anomaly.reporter, let destination = c.anomaly.partner, let via = c.anomaly.via else { return empty }
        let codes = [c.text("compared_at") ?? c.code].compactMap { $0 }
        func single(_ path: String) -> String? { let s = c.strings(path); return s.count == 1 ? s[0] : nil }
        let first = [Leg(declarer: via, flow: .import, partner: origin, codes: codes, source: single("leg_sources.origin_to_via")),
                     Leg(declarer: origin, flow: .export, partner: via, codes: codes, source: single("leg_sources.origin_to_via"))]
            .lazy.compactMap { resolve($0, index: c.index) }.first
        let second = [Leg(declarer: via, flow: .export, partner: destination, codes: codes, source: single("leg_sources.via_to_destination")),
                      Leg(declarer: destination, flow: .import, partner: via, codes: codes, source: single("leg_sources.via_to_destination"))]
            .lazy.compactMap { resolve($0, index: c.index) }.first
        let legs = [first, second].compactMap { $0 }
        guard !legs.isEmpty else { return empty }
        let annual = c.start.month == nil
        let axis = timeAxis(c, annual: annual, data: legs)
        let lag = c.number("observed.lag_months").map { Int($0) }
        let lagText = lag.map { $0 == 0 ? "in the same months" : "\($0) month\($0 == 1 ? "" : "s") later" }
        var series: [ChartSeries] = []
        if let leg = first {
            series.append(Self.series(leg, label: "Leg 1, into \(via): " + describe(leg.leg) + suffix(leg), measure: .tonnes,
                                      role: .observed, axis: axis, annual: annual, index: c.index))
        }
        if let leg = second {
            series.append(Self.series(leg, label: "Leg 2, out of \(via): " + describe(leg.leg) + suffix(leg)
                                        + (lagText.map { " (\($0))" } ?? ""),
                                      measure: .tonnes, role: .secondLeg, axis: axis, annual: annual, index: c.index))
        }
        let note = "Goods into \(via) from \(origin) and out of \(via) to \(destination)"
            + (lagText.map { "; the detector matched the outgoing leg \($0)." } ?? ".")
        return FindingChart(series: series, note: note)
    }

    /// `new_partner`: the partner's share of the declarer's flow of the code, by year.
    static func newPartnerChart(_ c: Context) -> FindingChart {
        guard let (declarer, flow) = c.declaration, let partner = c.counterpart(of: declarer) else { return empty }
        let codes = [c.code].compactMap { $0 }
        guard let share = resolve(Leg(declarer: declarer, flow: flow, partner: partner, codes: codes, source: c.text("source")), index: c.index),
              let total = resolve(Leg(declarer: declarer, flow: flow, partner: nil, codes: codes, source: share.source), index: c.index)
        else { return empty }
        let axis = timeAxis(c, annual: true, data: [total])
        let partnerSums = sums(share, index: c.index, annual: true), totalSums = sums(total, index: c.index, annual: true)
        let points = axis.map { period -> ChartSeries.Point in
            guard let all = totalSums[period], all.hasKg, all.kg > 0 else { return ChartSeries.Point(period: period.description, value: nil) }
            return ChartSeries.Point(period: period.description, value: 100 * (partnerSums[period]?.kg ?? 0) / all.kg)
        }
        let label = "\(partner)'s share of \(describe(total.leg))\(suffix(total))"
        let series = ChartSeries(label: label, points: points, unit: .percent, role: .observed,
                                 query: query(share, measure: .share, annual: true))
        let minShare = c.number("thresholds.min_share").map { "; the detector fires at a share of \(AnomalyText.percent($0)) or more" } ?? ""
        return FindingChart(series: [series], note: "Share of the tonnes, by calendar year (the latest may be year to date)\(minShare).")
    }

    /// Any other detector: the reporter's exports to the partner, and to all partners as context.
    static func flowChart(_ c: Context) -> FindingChart {
        guard let reporter = c.anomaly.reporter else { return empty }
        let codes = [c.code].compactMap { $0 }
        var legs: [(Leg, ChartSeries.Role)] = []
        if let partner = c.anomaly.partner, partner != "WLD" {
            legs.append((Leg(declarer: reporter, flow: .export, partner: partner, codes: codes, source: nil), .observed))
        }
        legs.append((Leg(declarer: reporter, flow: .export, partner: nil, codes: codes, source: nil), legs.isEmpty ? .observed : .context))
        let resolved = legs.compactMap { leg, role in resolve(leg, index: c.index).map { ($0, role) } }
        guard !resolved.isEmpty else { return empty }
        let annual = c.start.month == nil
        let axis = timeAxis(c, annual: annual, data: resolved.map(\.0))
        return FindingChart(series: resolved.map { leg, role in
            series(leg, label: describe(leg.leg) + suffix(leg), measure: .tonnes, role: role, axis: axis, annual: annual, index: c.index)
        })
    }
}
