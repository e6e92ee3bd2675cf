import Foundation
import TradeCore

/// Builds each finding's chart from the warehouse's trade rows: one chart per detector, showing the
/// figures that detector compared (see `ChartBuilder+Detectors.swift`). Every plotted value is read
/// from the rows, never copied from the finding's evidence; the evidence only says which rows
/// (declarer, flow, partner, code, source) and how to compare them.
public enum ChartBuilder {
    /// Context shown before `periodStart`, in years.
    public static let yearsBefore = 3
    /// Context shown after `periodEnd` when the data has it, in months (annual charts: years = months / 12).
    public static let monthsAfter = 12

    /// The chart of `anomaly`: empty when the finding names no period or the warehouse has none of
    /// the rows it rests on.
    public static func chart(for anomaly: Anomaly, index: ChartTradeIndex) -> FindingChart {
        guard let context = Context(anomaly, index: index) else { return FindingChart(series: []) }
        switch anomaly.detector {
        case "unit_value_outlier": return unitValueChart(context)
        case "volume_spike": return volumeChart(context)
        case "mirror_gap": return mirrorChart(context)
        case "control_diversion": return controlChart(context)
        case "transshipment_conduit": return conduitChart(context)
        case "new_partner": return newPartnerChart(context)
        case "source_conflict": return sourceConflictChart(context)
        default: return flowChart(context)
        }
    }

    /// What every detector's chart starts from: the finding, its evidence and the rows.
    struct Context {
        var anomaly: Anomaly
        var evidence: JSONValue
        var index: ChartTradeIndex
        var start: Period
        var end: Period

        init?(_ anomaly: Anomaly, index: ChartTradeIndex) {
            guard let start = Period(anomaly.periodStart) else { return nil }
            self.anomaly = anomaly
            self.evidence = anomaly.evidence
            self.index = index
            self.start = start
            self.end = Period(anomaly.periodEnd).map { max($0, start) } ?? start
        }

        /// The finding's code, digits only.
        var code: String? { anomaly.hsCode.map { $0.filter(\.isNumber) }.flatMap { $0.isEmpty ? nil : $0 } }

        /// A string evidence entry, by dotted path (`sources.exporter_source`).
        func text(_ path: String) -> String? { value(path)?.stringValue }

        func number(_ path: String) -> Double? { value(path)?.numberValue }

        func strings(_ path: String) -> [String] {
            guard case .array(let items)? = value(path) else { return [] }
            return items.compactMap(\.stringValue)
        }

        func value(_ path: String) -> JSONValue? {
            var current: JSONValue? = evidence
            for part in path.split(separator: ".") { current = current?[String(part)] }
            return current
        }

        /// The declarer the finding rests on (`declared_by`, else the reporter) and its flow.
        var declaration: (declarer: String, flow: Flow)? {
            guard let declarer = text("declared_by") ?? anomaly.reporter else { return nil }
            let flow = text("flow").flatMap(Flow.init(rawValue:)) ?? (declarer == anomaly.reporter ? .export : .import)
            return (declarer, flow)
        }

        /// The other country of a declarer's flow: the partner, or the reporter when the partner declared.
        func counterpart(of declarer: String) -> String? {
            let other = declarer == anomaly.reporter ? anomaly.partner : anomaly.reporter
            return other == "WLD" ? nil : other
        }
    }

    /// One declaration to chart: whose, which direction, with whom, which codes, from which source.
    struct Leg {
        var declarer: String
        var flow: Flow
        /// nil: all partners (a period's `WLD` rows when declared, else the sum of partners).
        var partner: String?
        /// With `partner == nil`: every partner but this one.
        var excludedPartner: String? = nil
        var codes: [String]
        /// The source named by the evidence; nil (or a source with no rows): the one with most rows.
        var source: String?
    }

    /// A leg with its source chosen, the code level of each prefix and the rows it sums.
    struct ResolvedLeg {
        var leg: Leg
        var source: String
        var levels: [ChartQuery.CodeLevel]
        var rows: [Int]
    }

    /// The leg's rows: one source only (never two summed), each code prefix at the shortest code
    /// length the declarer used under it (a heading and its subheadings are not both counted).
    static func resolve(_ leg: Leg, index: ChartTradeIndex) -> ResolvedLeg? {
        let prefixes = leg.codes.isEmpty ? [""] : leg.codes
        let matched = index.codes(leg.declarer, leg.flow).filter { code, _ in prefixes.contains { code.hasPrefix($0) } }
        let counts = matched.values.reduce(into: [String: Int]()) { total, entry in
            for (source, n) in entry.counts { total[source, default: 0] += n }
        }
        guard let busiest = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key else { return nil }
        let source = leg.source.flatMap { counts[$0] == nil ? nil : $0 } ?? busiest
        let levels = prefixes.compactMap { prefix -> ChartQuery.CodeLevel? in
            matched.filter { $0.key.hasPrefix(prefix) && $0.value.sources.contains(source) }.map(\.key.count).min()
                .map { ChartQuery.CodeLevel(prefix: prefix, length: $0) }
        }
        var rows: [Int] = []
        for (code, entry) in matched.sorted(by: { $0.key < $1.key })
        where levels.contains(where: { code.count == $0.length && code.hasPrefix($0.prefix) }) {
            let candidates = leg.partner.map { entry.byPartner[$0] ?? [] } ?? entry.all
            rows += candidates.filter { i in
                guard index.sources[i] == source else { return false }
                guard leg.partner == nil, let excluded = leg.excludedPartner else { return true }
                return index.rows[i].partner != excluded && index.rows[i].partner != "WLD"
            }
        }
        return rows.isEmpty ? nil : ResolvedLeg(leg: leg, source: source, levels: levels, rows: rows.sorted())
    }

    /// The leg summed per period of the axis' frequency. An all-partner leg takes a period's `WLD`
    /// rows when there are any, else its partners; an annual point takes the year's annual rows
    /// when there are any, else the sum of its months.
    static func sums(_ leg: ResolvedLeg, index: ChartTradeIndex, annual: Bool) -> [Period: ChartSum] {
        var byRowPeriod: [Period: [Int]] = [:]
        for i in leg.rows { byRowPeriod[index.rows[i].period, default: []].append(i) }
        var annualSums: [Period: ChartSum] = [:], monthSums: [Period: ChartSum] = [:]
        for (period, positions) in byRowPeriod {
            var chosen = positions
            if leg.leg.partner == nil && leg.leg.excludedPartner == nil {
                let world = positions.filter { index.rows[$0].partner == "WLD" }
                chosen = world.isEmpty ? positions : world
            }
            let isAnnual = period.month == nil
            guard annual || !isAnnual else { continue }
            let key = annual ? Period(year: period.year) : period
            for i in chosen {
                if isAnnual { annualSums[key, default: ChartSum()].add(index.rows[i]) } else { monthSums[key, default: ChartSum()].add(index.rows[i]) }
            }
        }
        return monthSums.merging(annualSums) { _, yearRows in yearRows }
    }

    /// The leg's values on `axis`: a period with no row is 0 when the leg's source published
    /// anything for the declaration then, and a gap (nil) when it published nothing.
    static func points(_ leg: ResolvedLeg, measure: ChartQuery.Measure, axis: [Period], index: ChartTradeIndex,
                       sums: [Period: ChartSum]) -> [ChartSeries.Point] {
        axis.map { period in
            let value: Double?
            if let sum = sums[period] {
                value = sum.value(measure)
            } else {
                let reported = index.published(leg.source, leg.leg.declarer, leg.leg.flow, period)
                value = reported && measure != .usdPerKg ? 0 : nil
            }
            return ChartSeries.Point(period: period.description, value: value)
        }
    }

    /// A leg as a plotted series on `axis`.
    static func series(_ leg: ResolvedLeg, label: String, measure: ChartQuery.Measure, role: ChartSeries.Role,
                       axis: [Period], annual: Bool, index: ChartTradeIndex) -> ChartSeries {
        let sums = sums(leg, index: index, annual: annual)
        return ChartSeries(label: label, points: points(leg, measure: measure, axis: axis, index: index, sums: sums),
                           unit: unit(of: measure), role: role, query: query(leg, measure: measure, annual: annual))
    }

    static func query(_ leg: ResolvedLeg, measure: ChartQuery.Measure, annual: Bool) -> ChartQuery {
        ChartQuery(declarer: leg.leg.declarer, flow: leg.leg.flow, partner: leg.leg.partner,
                   excludedPartner: leg.leg.excludedPartner, codes: leg.levels, source: leg.source, measure: measure,
                   annual: annual)
    }

    static func unit(of measure: ChartQuery.Measure) -> ChartSeries.Unit {
        switch measure {
        case .tonnes, .tonnes12: return .tonnes
        case .usd, .usd12: return .usd
        case .usdPerKg: return .usdPerKg
        case .share: return .percent
        }
    }

    /// The periods from the context start to the context end, monthly or annual: up to
    /// `yearsBefore` before the flag and a little after, within what the legs' sources published
    /// for their declarations (a partner's first shipment does not cut the context short).
    static func timeAxis(_ context: Context, annual: Bool, data: [ResolvedLeg], extraBefore: Int = 0) -> [Period] {
        let spans = data.compactMap { context.index.span($0.source, $0.leg.declarer, $0.leg.flow) }
        guard let firstData = spans.map(\.first).min(), let lastData = spans.map(\.last).max() else { return [] }
        if annual {
            let (start, end) = (context.start.year, context.end.year)
            let from = max(start - yearsBefore - extraBefore / 12, min(firstData.year, start))
            let to = max(end, min(lastData.year, end + max(1, monthsAfter / 12)))
            return (from...to).map { Period(year: $0) }
        }
        let start = context.start.month == nil ? context.start.year * 12 : context.start.monthIndex
        let end = context.end.month == nil ? context.end.year * 12 + 11 : context.end.monthIndex
        let first = firstData.month == nil ? firstData.year * 12 : firstData.monthIndex
        let last = lastData.month == nil ? lastData.year * 12 + 11 : lastData.monthIndex
        let from = max(start - 12 * yearsBefore - extraBefore, min(first, start))
        let to = max(end, min(last, end + monthsAfter))
        return (from...to).map { Period(monthIndex: $0) }
    }

    /// `CHN exports to TUR`, `TUR imports from CHN`, `CHN exports to all partners`.
    static func describe(_ leg: Leg) -> String {
        let toward = leg.flow == .import || leg.flow == .reImport ? "from" : "to"
        let whom = leg.partner ?? (leg.excludedPartner.map { "all partners but \($0)" } ?? "all partners")
        return "\(leg.declarer) \(AnomalyText.noun(leg.flow)) \(toward) \(whom)"
    }

    /// ` · HS 2846 · comtrade`: the codes summed and the source.
    static func suffix(_ leg: ResolvedLeg) -> String {
        let codes = leg.levels.map { $0.length > $0.prefix.count ? "\($0.prefix) (\($0.length)-digit lines)" : $0.prefix }
        let shown = codes.count > 3 ? codes.prefix(3).joined(separator: ", ") + " +\(codes.count - 3)" : codes.joined(separator: ", ")
        return (shown.isEmpty ? "" : " · HS \(shown)") + (leg.source.isEmpty ? "" : " · \(leg.source)")
    }
}
