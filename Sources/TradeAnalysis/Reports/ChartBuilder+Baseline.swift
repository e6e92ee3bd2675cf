import Foundation
import TradeCore

extension ChartBuilder {
    /// The baseline band the evidence describes, in the chart's unit, or nil when it describes none.
    ///
    /// Evidence keys belong to the detectors, so this reads the common spellings, top level or
    /// under a `baseline` object: `baseline_low`/`baseline_high` (also `low`/`high`, `lower`/`upper`),
    /// else `baseline` (or `median`, `expected`) ± k·`mad` with k from `mad_k`/`k` (default 3),
    /// else `baseline` alone (drawn as a line). A `_kg`, `_t`/`_tonnes` or `_usd` suffix, or a
    /// `unit` entry, gives the unit; bare quantities are taken as kilograms (the warehouse unit)
    /// unless a bare `observed` figure matches the charted tonnes, which shows they are tonnes.
    public static func baselineBand(for anomaly: Anomaly, charts: [ChartSeries]) -> BaselineBand? {
        let numbers = EvidenceNumbers(anomaly.evidence)
        let chartUnit = charts.first?.unit ?? .tonnes
        let bareScale = numbers.bareQuantityScale(anomaly: anomaly, charts: charts)

        func value(_ names: [String]) -> Double? {
            for name in names {
                if let hit = numbers.lookup(name, chartUnit: chartUnit, bareScale: bareScale) { return hit }
            }
            return nil
        }
        let center = value(["baseline", "baseline.median", "baseline.value", "baseline_median", "median",
                            "expected", "trailing_median", "baseline.center"])
        if let low = value(["baseline_low", "baseline.low", "band_low", "baseline_lower", "baseline.lower", "lower", "low", "lower_bound"]),
           let high = value(["baseline_high", "baseline.high", "band_high", "baseline_upper", "baseline.upper", "upper", "high", "upper_bound"]) {
            return BaselineBand(low: max(0, low), high: high, center: center)
        }
        guard let center else { return nil }
        if let mad = value(["mad", "baseline_mad", "baseline.mad", "mad_value"]) {
            let k = numbers.plain(["mad_k", "baseline.mad_k", "k", "mad_multiplier", "threshold_mads"]) ?? 3
            return BaselineBand(low: max(0, center - k * mad), high: center + k * mad, center: center)
        }
        return BaselineBand(low: center, high: center, center: center)
    }
}

/// The numeric leaves of an evidence object, keyed by lower-cased dotted path.
struct EvidenceNumbers {
    private(set) var numbers: [String: Double] = [:]
    private(set) var strings: [String: String] = [:]

    init(_ evidence: JSONValue) {
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .number(let n) where n.isFinite: numbers[path] = n
            case .string(let s): strings[path] = s
            case .object(let o): for (k, v) in o { walk(v, path.isEmpty ? k.lowercased() : "\(path).\(k.lowercased())") }
            default: break
            }
        }
        walk(evidence, "")
    }

    /// A value with no unit meaning (a multiplier).
    func plain(_ names: [String]) -> Double? {
        names.lazy.compactMap { numbers[$0] }.first
    }

    /// `name` or `name_<unit>` converted to the chart's unit; nil when absent or in another unit.
    func lookup(_ name: String, chartUnit: ChartSeries.Unit, bareScale: Double) -> Double? {
        let suffixed: [(String, ChartSeries.Unit, Double)] = [
            ("_t", .tonnes, 1), ("_tonnes", .tonnes, 1), ("_kg", .tonnes, 0.001), ("_usd", .usd, 1),
        ]
        for (suffix, unit, scale) in suffixed {
            if let v = numbers[name + suffix] { return unit == chartUnit ? v * scale : nil }
        }
        guard let v = numbers[name] else { return nil }
        return chartUnit == .usd ? v : v * bareScale
    }

    /// How to turn a unit-less evidence quantity into tonnes (0.001 for kilograms, 1 for tonnes).
    func bareQuantityScale(anomaly: Anomaly, charts: [ChartSeries]) -> Double {
        for key in ["unit", "quantity_unit", "baseline_unit", "baseline.unit"] {
            switch strings[key]?.lowercased() {
            case "t", "tonne", "tonnes", "ton", "tons", "metric tons": return 1
            case "kg", "kilogram", "kilograms": return 0.001
            default: continue
            }
        }
        // Calibrate on the flagged value: does the evidence's `observed` match the chart in t or in kg?
        if let observed = plain(["observed", "observed_value", "observed.value", "value"]), observed > 0,
           let series = charts.first(where: { $0.role == .observed }) ?? charts.first, series.unit == .tonnes {
            let flagged = series.points.filter { $0.period >= anomaly.periodStart && $0.period <= anomaly.periodEnd }
            let values = flagged.compactMap(\.value).filter { $0 > 0 }
            if !values.isEmpty {
                let candidates = values + [values.reduce(0, +)]
                let distance = { (scale: Double) in
                    candidates.map { abs(log10(observed * scale / $0)) }.min() ?? .infinity
                }
                return distance(1) < distance(0.001) ? 1 : 0.001
            }
        }
        return 0.001
    }
}
