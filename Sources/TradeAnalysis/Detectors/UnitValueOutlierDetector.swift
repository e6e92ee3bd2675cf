import Foundation
import TradeCore

/// `unit_value_outlier`: a shipment's USD/kg far from the code's usual unit value (misdeclared
/// goods, mis-invoicing).
///
/// Method. Observations are bilateral cells (declarer, flow, partner ≠ WLD, declared code, period)
/// with ≥ `small_lot_min_tonnes` and a positive value (heavy rare earths ship in sub-tonne lots, so
/// they are peers too); lots below `min_tonnes` fire only when grossly off: ≥ `small_lot_min_ratio`
/// times off the median and |z| ≥ `small_lot_z_threshold`; weights the publisher estimated are skipped when
/// `exclude_estimated_weights` is 1. Each is compared with all observations of the same code in
/// its year ± `peer_window_years` (any reporter, flow or partner, so prices may drift over time):
/// robust z of log(USD/kg) with the scale 1.4826·MAD floored at `min_log_scale`. Fires when |z| ≥
/// `z_threshold`, the unit value is at least `min_ratio` times off the median (either way) and the
/// code has ≥ `min_peers` observations. Score = |z|.
public struct UnitValueOutlierDetector: Detector {
    public let name = "unit_value_outlier"
    public init() {}

    struct Observation {
        var declarer: String
        var flow: Flow
        var partner: String
        var period: Period
        var cell: Cell
        var logUV: Double { log(cell.usd / cell.kg) }
    }

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.unitValueOutlier
        let cube = input.cube
        var byCode: [String: [Observation]] = [:]
        for flow in Flow.allCases {
            for d in cube.declarers(flow) {
                for code in cube.codes(d, flow) {
                    for p in cube.partners(d, flow, key: code) {
                        let series = cube.partnerSeries(d, flow, key: code, partner: p)
                        for period in series.keys.sorted() {
                            let c = series[period]!
                            guard c.hasKg, c.tonnes >= min(s.minTonnes, s.smallLotMinTonnes), c.usd > 0 else { continue }
                            if s.excludeEstimatedWeights && c.kgEstimated { continue }
                            byCode[code, default: []].append(Observation(declarer: d, flow: flow, partner: p, period: period, cell: c))
                        }
                    }
                }
            }
        }
        var out: [Anomaly] = []
        for code in byCode.keys.sorted() {
            let obs = byCode[code]!
            let byYear = Dictionary(grouping: obs.map { ($0.period.year, $0.logUV) }, by: { $0.0 }).mapValues { $0.map(\.1) }
            var cache: [Int: (median: Double, scale: Double, n: Int)] = [:]
            for o in obs {
                let y = o.period.year
                if cache[y] == nil {
                    let sample = ((y - s.peerWindowYears)...(y + s.peerWindowYears)).flatMap { byYear[$0] ?? [] }.sorted()
                    let m = RobustStatistics.median(sample) ?? 0
                    let scale = max(RobustStatistics.madToSigma * (RobustStatistics.mad(sample) ?? 0), s.minLogScale)
                    cache[y] = (m, scale, sample.count)
                }
                let ref = cache[y]!
                guard ref.n >= s.minPeers else { continue }
                let z = (o.logUV - ref.median) / ref.scale
                let ratio = exp(o.logUV - ref.median)
                // Lots lighter than min_tonnes only count as peers unless grossly off (a 300 kg lot of an
                // oxide at a fiftieth of its price is no rounding accident; 200 kg at 4x is).
                let smallLot = o.cell.tonnes < s.minTonnes
                let zNeeded = smallLot ? max(s.smallLotZThreshold, s.zThreshold) : s.zThreshold
                let ratioNeeded = smallLot ? max(s.smallLotMinRatio, s.minRatio) : s.minRatio
                guard abs(z) >= zNeeded, ratio >= ratioNeeded || ratio <= 1 / ratioNeeded else { continue }
                let (exporter, importer) = AnomalyText.orient(declarer: o.declarer, partner: o.partner, flow: o.flow)
                let toFrom = (o.flow == .export || o.flow == .reExport) ? "to" : "from"
                let uv = o.cell.usd / o.cell.kg, med = exp(ref.median)
                let years = AnomalyText.years(y - s.peerWindowYears, y + s.peerWindowYears)
                let weight = o.cell.tonnes < 1 ? String(format: "%.0f kg", o.cell.kg) : AnomalyText.tonnes(o.cell.tonnes)
                let howFar = ratio >= 1 ? "\(AnomalyText.number(ratio, ratio >= 10 ? 0 : 1))×" : "1/\(AnomalyText.number(1 / ratio, ratio <= 0.1 ? 0 : 1)) of"
                let summary = "\(o.declarer) \(AnomalyText.noun(o.flow)) of \(input.catalog.label(code)) \(toFrom) \(o.partner) in \(o.period): "
                    + "\(weight) at \(AnomalyText.unitValue(uv)) vs a \(years) median of \(AnomalyText.unitValue(med)) "
                    + "over \(ref.n) shipments of the code (\(howFar) the usual unit value, robust z \(AnomalyText.number(z)))."
                let evidence: JSONValue = [
                    "declared_by": .string(o.declarer), "flow": .string(o.flow.rawValue),
                    "observed": ["usd": AnomalyText.json(o.cell.usd), "kg": AnomalyText.json(o.cell.kg), "usd_per_kg": AnomalyText.json(uv)],
                    "baseline": ["median_usd_per_kg": AnomalyText.json(med), "log_scale": AnomalyText.json(ref.scale),
                                 "observations": .number(Double(ref.n))],
                    "ratio": AnomalyText.json(ratio), "statistic": "robust_z_log_unit_value", "z": AnomalyText.json(z),
                    "periods_compared": ["observed": .string(o.period.description), "baseline": .string(years)],
                    "thresholds": settings.thresholdsJSON(name),
                ]
                out.append(Anomaly(detector: name, severity: AnomalyText.severity(abs(z), medium: s.severityMedium, high: s.severityHigh),
                                   score: (abs(z) * 1000).rounded() / 1000, reporter: exporter, partner: importer, hsCode: code,
                                   periodStart: o.period.description, periodEnd: o.period.description, summary: summary, evidence: evidence))
            }
        }
        return out
    }
}
