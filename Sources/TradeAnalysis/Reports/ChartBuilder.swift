import Foundation
import TradeCore

/// Picks the trade series a finding's chart shows, and reads its baseline band from the evidence.
public enum ChartBuilder {
    /// Context shown before `periodStart`, in years.
    public static let yearsBefore = 3
    /// Context shown after `periodEnd` when the data has it, in months (annual charts: years = months / 12).
    public static let monthsAfter = 12

    /// The series to chart for `anomaly`, in tonnes (USD only when no quantity was declared at all).
    ///
    /// - flow detectors: the reporter's exports to the partner for the HS code (the partner's imports
    ///   from the reporter when the reporter declared none), plus the reporter's exports to all partners;
    /// - `mirror_gap`: the exporter's exports and the importer's imports, compared at the longest HS
    ///   prefix both declarations share (an 8-digit national line against a 6- or 4-digit heading);
    /// - `transshipment_conduit`: origin → via and via → destination on one time axis.
    ///
    /// A period with no matching row is 0 when the declaring country reported that flow for any
    /// partner or code in that period (in `trade`), and a gap (nil) when it reported nothing.
    public static func series(for anomaly: Anomaly, trade: [TradeRow]) -> [ChartSeries] {
        series(for: anomaly, index: ChartTradeIndex(rows: trade))
    }

    /// `series(for:trade:)` over an index built once for every finding of a report.
    public static func series(for anomaly: Anomaly, index trade: ChartTradeIndex) -> [ChartSeries] {
        guard let start = Period(anomaly.periodStart) else { return [] }
        let end = Period(anomaly.periodEnd).map { max($0, start) } ?? start
        let index = trade.byFrequency[start.frequency] ?? TradeIndex(rows: [])
        let key = anomaly.hsCode.map { $0.filter(\.isNumber) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let planned = plans(for: anomaly) else { return [] }
        var chosen = choose(planned.plans, index: index, key: key)
        guard !chosen.isEmpty else { return [] }
        let prefixLength = compareLikeWithLike(&chosen, index: index, key: key, commonLevel: planned.commonLevel)
        let (sums, unit) = sumPerPeriod(chosen, prefixLength: prefixLength, key: key)

        // Time axis: up to `yearsBefore` before the flag (trimmed to the first data), a little after.
        let dataPeriods = sums.flatMap(\.keys)
        guard let firstData = dataPeriods.min(), let lastData = dataPeriods.max() else { return [] }
        let axis = timeAxis(start: start, end: end, firstData: firstData, lastData: lastData)

        return chosen.enumerated().map { i, entry in
            let points = axis.map { period -> ChartSeries.Point in
                let value: Double?
                if let cell = sums[i][period] {
                    value = unit == .tonnes ? cell.kg.map { $0 / 1000 } : cell.usd
                } else {
                    value = index.reported(entry.leg.declarer, entry.leg.flow, period) ? 0 : nil
                }
                return ChartSeries.Point(period: period.description, value: value)
            }
            return ChartSeries(label: label(entry, prefixLength: prefixLength[i], key: key), points: points, unit: unit,
                               role: entry.role)
        }
    }

    /// A leg with the declaration chosen for it, that declaration's rows and the HS level it is summed at.
    typealias ChosenLeg = (leg: Leg, role: ChartSeries.Role, rows: [TradeRow], level: Int?)

    /// The chart lines a finding calls for, each with the declarations that may supply it, and
    /// whether the lines must be compared at one HS level (two declarations of one flow); nil when
    /// the finding lacks a country the chart needs.
    static func plans(for anomaly: Anomaly) -> (plans: [LegPlan], commonLevel: Bool)? {
        var plans: [LegPlan] = []
        var commonLevel = false
        switch anomaly.detector {
        case "mirror_gap":
            guard let exporter = anomaly.reporter, let importer = anomaly.partner else { return nil }
            plans = [
                LegPlan(candidates: [Leg(declarer: exporter, flow: .export, partner: importer,
                                         label: "\(exporter) → \(importer), declared by \(exporter) (exports)")],
                        role: .observed),
                LegPlan(candidates: [Leg(declarer: importer, flow: .import, partner: exporter,
                                         label: "\(exporter) → \(importer), declared by \(importer) (imports)")],
                        role: .secondLeg),
            ]
            commonLevel = true
        case "transshipment_conduit":
            guard let origin = anomaly.reporter, let destination = anomaly.partner, let via = anomaly.via else { return nil }
            plans = [
                LegPlan(candidates: [
                    Leg(declarer: via, flow: .import, partner: origin, label: "Leg 1: \(origin) → \(via) (\(via) imports)"),
                    Leg(declarer: origin, flow: .export, partner: via, label: "Leg 1: \(origin) → \(via) (\(origin) exports)"),
                ], role: .observed),
                LegPlan(candidates: [
                    Leg(declarer: via, flow: .export, partner: destination, label: "Leg 2: \(via) → \(destination) (\(via) exports)"),
                    Leg(declarer: destination, flow: .import, partner: via, label: "Leg 2: \(via) → \(destination) (\(destination) imports)"),
                ], role: .secondLeg),
            ]
            commonLevel = true
        default:
            guard let reporter = anomaly.reporter else { return nil }
            if let partner = anomaly.partner, partner != "WLD" {
                plans = [
                    LegPlan(candidates: [
                        Leg(declarer: reporter, flow: .export, partner: partner, label: "\(reporter) → \(partner) (\(reporter) exports)"),
                        Leg(declarer: partner, flow: .import, partner: reporter, label: "\(reporter) → \(partner) (\(partner) imports)"),
                    ], role: .observed),
                    LegPlan(candidates: [
                        Leg(declarer: reporter, flow: .export, partner: nil, label: "\(reporter) → all partners (\(reporter) exports)"),
                    ], role: .context),
                ]
            } else {
                plans = [LegPlan(candidates: [
                    Leg(declarer: reporter, flow: .export, partner: nil, label: "\(reporter) → all partners (\(reporter) exports)"),
                ], role: .observed)]
            }
        }

        return (plans, commonLevel)
    }

    /// Per leg, the first candidate declaration that has rows, and its HS level.
    static func choose(_ plans: [LegPlan], index: TradeIndex, key: String?) -> [ChosenLeg] {
        var chosen: [ChosenLeg] = []
        for plan in plans {
            for leg in plan.candidates {
                let matching = index.rows(leg: leg, compatibleWith: key)
                if !matching.isEmpty {
                    chosen.append((leg, plan.role, matching, preferredLevel(matching, key: key)))
                    break
                }
            }
        }
        return chosen
    }

    /// The HS prefix length each leg is compared at (nil: the leg's own codes), with the legs' rows
    /// widened to every line under a shorter prefix.
    static func compareLikeWithLike(_ chosen: inout [ChosenLeg], index: TradeIndex, key: String?,
                                    commonLevel: Bool) -> [Int?] {
        // Compare like with like: the shared prefix length across legs for two-declaration charts.
        let keyLength = key?.count
        var prefixLength: [Int?] = chosen.map { entry in
            guard let level = entry.level, let keyLength else { return nil }
            return min(level, keyLength)
        }
        if commonLevel, let common = prefixLength.compactMap({ $0 }).min() {
            prefixLength = prefixLength.map { $0 == nil ? nil : common }
        }
        // Compared at a shorter prefix, sibling lines under it count too (28053010 + 28053090 vs 280530).
        if let key {
            for i in chosen.indices {
                if let length = prefixLength[i], length < key.count {
                    chosen[i].rows = index.rows(leg: chosen[i].leg, compatibleWith: String(key.prefix(length)))
                }
            }
        }
        return prefixLength
    }

    /// Each leg summed per period; quantities in tonnes unless no leg declared any quantity.
    static func sumPerPeriod(_ chosen: [ChosenLeg], prefixLength: [Int?],
                             key: String?) -> (sums: [[Period: (kg: Double?, usd: Double?)]], unit: ChartSeries.Unit) {
        var sums: [[Period: (kg: Double?, usd: Double?)]] = []
        var anyQuantity = false
        for (i, entry) in chosen.enumerated() {
            var perPeriod: [Period: (kg: Double?, usd: Double?)] = [:]
            for row in entry.rows where row.hsCode.count == entry.level || entry.level == nil {
                if let length = prefixLength[i], let key, row.hsCode.prefix(length) != key.prefix(length) { continue }
                var cell = perPeriod[row.period] ?? (nil, nil)
                if let kg = row.quantityKg { cell.kg = (cell.kg ?? 0) + kg; anyQuantity = true }
                if let usd = row.valueUSD { cell.usd = (cell.usd ?? 0) + usd }
                perPeriod[row.period] = cell
            }
            sums.append(perPeriod)
        }
        return (sums, anyQuantity ? .tonnes : .usd)
    }

    /// The leg's label with the HS code it is charted at.
    static func label(_ entry: ChosenLeg, prefixLength: Int?, key: String?) -> String {
        var label = entry.leg.label
        if let length = prefixLength, let key {
            let shown = String(key.prefix(length))
            label += " · HS \(shown)"
            if let level = entry.level, level > length { label += " (sum of \(level)-digit lines)" }
        } else if key == nil {
            label += " · all codes"
        }
        return label
    }

    /// The periods from the context start to the context end, monthly or annual as `start` is.
    static func timeAxis(start: Period, end: Period, firstData: Period, lastData: Period) -> [Period] {
        if start.month == nil {
            let from = max(start.year - yearsBefore, min(firstData.year, start.year))
            let to = max(end.year, min(lastData.year, end.year + max(1, monthsAfter / 12)))
            return (from...to).map { Period(year: $0) }
        }
        let from = max(start.monthIndex - 12 * yearsBefore, min(firstData.monthIndex, start.monthIndex))
        let to = max(end.monthIndex, min(lastData.monthIndex, end.monthIndex + monthsAfter))
        return (from...to).map { Period(monthIndex: $0) }
    }

    /// The HS code length a leg is summed at: the key's own level or the nearest finer one,
    /// else the finest coarser heading the declarer used.
    static func preferredLevel(_ rows: [TradeRow], key: String?) -> Int? {
        guard let key else { return nil }
        let lengths = Set(rows.map(\.hsCode.count))
        if let finer = lengths.filter({ $0 >= key.count }).min() { return finer }
        return lengths.max()
    }

    /// One declaration of a flow: who declared it, which direction, with which partner (nil: all partners).
    struct Leg {
        var declarer: String
        var flow: Flow
        var partner: String?
        var label: String
    }

    /// A chart line and the declarations that may supply it, in order of preference.
    struct LegPlan {
        var candidates: [Leg]
        var role: ChartSeries.Role
    }

    /// Trade rows (of one frequency) grouped by declaration — declarer and flow, and declarer, flow
    /// and partner — plus which periods each declarer reported at all. Groups keep the rows' order.
    struct TradeIndex: Sendable {
        private struct Declaration: Hashable { var declarer: String, flow: Flow }
        private struct PartnerDeclaration: Hashable { var declarer: String, flow: Flow, partner: String }
        private struct Reported: Hashable { var declarer: String, flow: Flow, period: Period }

        private let rows: [TradeRow]
        private var byDeclaration: [Declaration: [Int]] = [:]
        private var byPartner: [PartnerDeclaration: [Int]] = [:]
        private var reportedPeriods: Set<Reported> = []

        init(rows: [TradeRow]) {
            self.rows = rows
            for (i, row) in rows.enumerated() {
                byDeclaration[Declaration(declarer: row.reporter, flow: row.flow), default: []].append(i)
                byPartner[PartnerDeclaration(declarer: row.reporter, flow: row.flow, partner: row.partner), default: []].append(i)
                reportedPeriods.insert(Reported(declarer: row.reporter, flow: row.flow, period: row.period))
            }
        }

        func reported(_ declarer: String, _ flow: Flow, _ period: Period) -> Bool {
            reportedPeriods.contains(Reported(declarer: declarer, flow: flow, period: period))
        }

        /// Rows of the leg's declaration whose HS code is the key, a line under it, or a heading above it
        /// (at least 4 digits). All-partner legs use the `WLD` rows when the declarer gave them, else the sum.
        func rows(leg: Leg, compatibleWith key: String?) -> [TradeRow] {
            let positions = leg.partner.map { byPartner[PartnerDeclaration(declarer: leg.declarer, flow: leg.flow, partner: $0)] }
                ?? byDeclaration[Declaration(declarer: leg.declarer, flow: leg.flow)]
            let coded = (positions ?? []).lazy.map { rows[$0] }.filter { row in
                guard let key else { return true }
                let code = row.hsCode
                return code.hasPrefix(key) || (code.count >= min(4, key.count) && key.hasPrefix(code))
            }
            if leg.partner != nil { return Array(coded) }
            let world = coded.filter { $0.partner == "WLD" }
            return world.isEmpty ? Array(coded) : Array(world)
        }
    }
}

/// Trade rows indexed for `ChartBuilder`, built once per report rather than once per finding.
public struct ChartTradeIndex: Sendable {
    let byFrequency: [Frequency: ChartBuilder.TradeIndex]

    public init(rows: [TradeRow]) {
        byFrequency = Dictionary(grouping: rows, by: \.period.frequency).mapValues(ChartBuilder.TradeIndex.init)
    }
}
