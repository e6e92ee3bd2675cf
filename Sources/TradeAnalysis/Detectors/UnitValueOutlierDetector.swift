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
///
/// Like with like: the peers of an observation are declarations of the *same code as declared*
/// (an 8-digit national line is never pooled with a 6-digit heading) on the *same valuation basis*
/// (CIF import declarations and FOB export declarations form separate populations, so a CIF
/// importer series is not judged against FOB exporter lines).
/// A series' own level is no outlier: when the series (declarer, flow, partner, code) has at least
/// `series_min_history` other observations in the window, the lot must also be `min_ratio` times off
/// the series' own median (a buyer who always imports a cheaper grade is the series, not a lot).
/// Findings of one series in months at most `episode_gap_months` apart, off the same way, are one
/// finding spanning the episode (the evidence lists every lot; the score is the largest |z|).
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
        /// Valued CIF (import declarations of unknown valuation count as CIF).
        var cif: Bool { cell.usdCIF * 2 > cell.usd }
        var seriesKey: String { "\(declarer)|\(flow.rawValue)|\(partner)" }
    }

    struct Finding {
        var o: Observation
        var z: Double
        var ratio: Double
        var median: Double
        var scale: Double
        var peers: Int
        var ownMedian: Double?
        var ownCount: Int
    }

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.unitValueOutlier
        let cube = input.cube
        var out: [Anomaly] = []
        // One code's observations at a time (a population is a code and a valuation basis), so memory
        // holds one code's lots, not every lot of the warehouse. Populations are judged in the order of
        // their "code|basis" keys, as when all were collected first.
        for code in cube.allCodes.sorted(by: { $0 + "|" < $1 + "|" }) {
            var byBasis: [String: [Observation]] = [:]
            for flow in Flow.allCases {
                for d in cube.declarers(flow) where cube.declares(d, flow, code: code) {
                    for p in cube.partners(d, flow, key: code) {
                        let series = cube.partnerSeries(d, flow, key: code, partner: p)
                        for (period, c) in series {
                            guard c.hasKg, c.tonnes >= min(s.minTonnes, s.smallLotMinTonnes), c.usd > 0 else { continue }
                            if s.excludeEstimatedWeights && c.kgEstimated { continue }
                            let o = Observation(declarer: d, flow: flow, partner: p, period: period, cell: c)
                            byBasis[o.cif ? "cif" : "fob", default: []].append(o)
                        }
                    }
                }
            }
            for basis in byBasis.keys.sorted() {
                out += judge(byBasis[basis]!, code: code, input: input, settings: settings)
            }
        }
        return out
    }

    /// The findings of one population: the lots of one code on one valuation basis, in cube order.
    private func judge(_ obs: [Observation], code: String, input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.unitValueOutlier
        var out: [Anomaly] = []
        let bySeries = Dictionary(grouping: obs, by: \.seriesKey)
        var findings: [Finding] = []
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
            // The series' own history: a steady level is the series, not an outlier.
            let own = (bySeries[o.seriesKey] ?? []).filter {
                $0.period != o.period && abs($0.period.year - y) <= s.peerWindowYears
            }.map(\.logUV).sorted()
            var ownMedian: Double?
            if own.count >= s.seriesMinHistory, let m = RobustStatistics.median(own) {
                ownMedian = m
                let ownRatio = exp(o.logUV - m)
                guard ownRatio >= ratioNeeded || ownRatio <= 1 / ratioNeeded else { continue }
            }
            findings.append(Finding(o: o, z: z, ratio: ratio, median: ref.median, scale: ref.scale, peers: ref.n,
                                    ownMedian: ownMedian, ownCount: own.count))
        }
        // One finding per series episode.
        let grouped = Dictionary(grouping: findings) { "\($0.o.seriesKey)|\($0.z > 0)" }
        for k in grouped.keys.sorted() {
            let list = grouped[k]!.sorted { $0.o.period < $1.o.period }
            var episode: [Finding] = []
            func flush() {
                guard !episode.isEmpty else { return }
                out.append(anomaly(episode, code: code, input: input, settings: settings))
                episode = []
            }
            for f in list {
                if let last = episode.last, !Self.near(last.o.period, f.o.period, s.episodeGapMonths) { flush() }
                episode.append(f)
            }
            flush()
        }
        return out
    }

    /// Months apart (annual periods count as their whole year).
    static func near(_ a: Period, _ b: Period, _ gap: Int) -> Bool {
        let aHi = a.month == nil ? a.year * 12 + 11 : a.monthIndex
        let bLo = b.month == nil ? b.year * 12 : b.monthIndex
        return bLo - aHi <= gap
    }

    func anomaly(_ episode: [Finding], code: String, input: DetectionInput, settings: DetectorSettings) -> Anomaly {
        let s = settings.unitValueOutlier
        let peak = episode.max { abs($0.z) < abs($1.z) }!
        let o = peak.o, z = peak.z, ratio = peak.ratio
        let y = o.period.year
        let (exporter, importer) = AnomalyText.orient(declarer: o.declarer, partner: o.partner, flow: o.flow)
        let toFrom = (o.flow == .export || o.flow == .reExport) ? "to" : "from"
        let uv = o.cell.usd / o.cell.kg, med = exp(peak.median)
        let years = AnomalyText.years(y - s.peerWindowYears, y + s.peerWindowYears)
        let weight = o.cell.tonnes < 1 ? String(format: "%.0f kg", o.cell.kg) : AnomalyText.tonnes(o.cell.tonnes)
        let howFar = ratio >= 1 ? "\(AnomalyText.number(ratio, ratio >= 10 ? 0 : 1))×" : "1/\(AnomalyText.number(1 / ratio, ratio <= 0.1 ? 0 : 1)) of"
        let first = episode.first!.o.period.description, last = episode.last!.o.period.description
        let basis = o.cif ? "CIF" : "FOB"
        var summary = "\(o.declarer) \(AnomalyText.noun(o.flow)) of \(input.catalog.label(code)) \(toFrom) \(o.partner) in \(o.period): "
            + "\(weight) at \(AnomalyText.unitValue(uv)) vs a \(years) median of \(AnomalyText.unitValue(med)) "
            + "over \(peak.peers) \(basis) declarations of the code (\(howFar) the usual unit value, robust z \(AnomalyText.number(z)))"
        if let own = peak.ownMedian {
            summary += "; the series' own median is \(AnomalyText.unitValue(exp(own))) over \(peak.ownCount) other periods"
        }
        if episode.count > 1 { summary += "; \(episode.count) such lots from \(first) to \(last)" }
        summary += "."
        let lots: [JSONValue] = episode.map { f in
            ["period": .string(f.o.period.description), "usd": AnomalyText.json(f.o.cell.usd), "kg": AnomalyText.json(f.o.cell.kg),
             "usd_per_kg": AnomalyText.json(f.o.cell.usd / f.o.cell.kg), "z": AnomalyText.json(f.z)]
        }
        let evidence: JSONValue = [
            "declared_by": .string(o.declarer), "flow": .string(o.flow.rawValue), "valuation_basis": .string(basis),
            "observed": ["usd": AnomalyText.json(o.cell.usd), "kg": AnomalyText.json(o.cell.kg), "usd_per_kg": AnomalyText.json(uv)],
            "baseline": ["median_usd_per_kg": AnomalyText.json(med), "log_scale": AnomalyText.json(peak.scale),
                         "observations": .number(Double(peak.peers)),
                         "series_median_usd_per_kg": peak.ownMedian.map { AnomalyText.json(exp($0)) } ?? .null,
                         "series_observations": .number(Double(peak.ownCount))],
            "ratio": AnomalyText.json(ratio), "statistic": "robust_z_log_unit_value", "z": AnomalyText.json(z),
            "lots": .array(lots),
            "periods_compared": ["observed": .string(AnomalyText.span(first, last)), "baseline": .string(years)],
            "thresholds": settings.thresholdsJSON(name),
        ]
        return Anomaly(detector: name, severity: AnomalyText.severity(abs(z), medium: s.severityMedium, high: s.severityHigh),
                       score: (abs(z) * 1000).rounded() / 1000, reporter: exporter, partner: importer, hsCode: code,
                       periodStart: first, periodEnd: last, summary: summary, evidence: evidence)
    }
}
