import Foundation
import TradeCore

/// `mirror_gap`: the exporter's declared exports and the importer's declared imports of the same
/// goods in the same period disagree beyond the CIF/FOB margin.
///
/// Method. For each exporter → importer pair, codes are compared at their common prefix (an
/// 8-digit national line against a 6- or 4-digit heading: both sides summed to the shorter code).
/// CIF import values are brought to FOB by `cif_fob_allowance` (default 6 %, cf. IMF DOTS). The
/// gap is (larger − smaller) / smaller, capped at `gap_cap`, in USD and in kg. Where both sides are
/// monthly, rolling 12-month windows are compared (both declarers must have published all 12
/// months; consecutive failing windows form one finding); otherwise calendar years both sides
/// published in full. A kg gap built on publisher-estimated weights is multiplied by
/// `estimated_weight_factor` and said so. Fires when a gap ≥ `min_gap` and the absolute
/// difference ≥ `min_usd_difference` / `min_tonnes_difference`. Score = the larger counted gap.
public struct MirrorGapDetector: Detector {
    public let name = "mirror_gap"
    public init() {}

    struct Gap {
        var exports: Cell
        var imports: Cell
        var exportsFOB: Double
        var importsFOB: Double
        var usdGap: Double?      // signed: > 0 when imports exceed exports
        var kgGap: Double?       // signed
        var kgWeight: Double
        var score: Double
        var usdCounted: Bool
        var kgCounted: Bool
    }

    func compare(_ x: Cell, _ m: Cell, _ s: DetectorSettings.MirrorGap) -> Gap? {
        func relative(_ a: Double, _ b: Double) -> Double? {
            let lo = min(a, b), hi = max(a, b)
            guard hi > 0 else { return nil }
            let g = lo > 0 ? min((hi - lo) / lo, s.gapCap) : s.gapCap
            return b >= a ? g : -g
        }
        let xf = x.usdFOB(allowance: s.cifFobAllowance), mf = m.usdFOB(allowance: s.cifFobAllowance)
        let usdGap = relative(xf, mf)
        let usdCounted = usdGap.map { abs($0) >= s.minGap && abs(mf - xf) >= s.minUsdDifference } ?? false
        // Weights compare when each side declared some, or declared nothing at all (a true zero).
        let kgComparable = (x.hasKg || x.rows == 0) && (m.hasKg || m.rows == 0)
        let kgGap = kgComparable ? relative(x.kg, m.kg) : nil
        let weight = (x.kgEstimated || m.kgEstimated) ? s.estimatedWeightFactor : 1
        let kgCounted = kgGap.map { abs($0) * weight >= s.minGap && abs(m.kg - x.kg) / 1000 >= s.minTonnesDifference } ?? false
        guard usdCounted || kgCounted else { return nil }
        let score = max(usdCounted ? abs(usdGap!) : 0, kgCounted ? abs(kgGap!) * weight : 0)
        return Gap(exports: x, imports: m, exportsFOB: xf, importsFOB: mf, usdGap: usdGap, kgGap: kgGap, kgWeight: weight,
                   score: score, usdCounted: usdCounted, kgCounted: kgCounted)
    }

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.mirrorGap
        let cube = input.cube
        var pairs = Set<[String]>()
        for e in cube.declarers(.export) {
            for code in cube.codes(e, .export) {
                for i in cube.partners(e, .export, key: code) { pairs.insert([e, i]) }
            }
        }
        for i in cube.declarers(.import) {
            for code in cube.codes(i, .import) {
                for e in cube.partners(i, .import, key: code) { pairs.insert([e, i]) }
            }
        }
        var out: [Anomaly] = []
        for pair in pairs.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let (e, i) = (pair[0], pair[1])
            let eCodes = cube.codes(e, .export), iCodes = cube.codes(i, .import)
            guard !eCodes.isEmpty, !iCodes.isEmpty else { continue } // one side publishes nothing: no mirror
            var keys = Set<String>()
            for a in eCodes {
                for b in iCodes where a.hasPrefix(b) || b.hasPrefix(a) { keys.insert(a.count <= b.count ? a : b) }
            }
            for key in keys.sorted() {
                let x = cube.partnerSeries(e, .export, key: key, partner: i)
                let m = cube.partnerSeries(i, .import, key: key, partner: e)
                guard !x.isEmpty || !m.isEmpty else { continue }
                var findings: [(start: String, end: String, compared: String, gap: Gap, mode: String)] = []
                if TradeCube.hasMonthly(x), TradeCube.hasMonthly(m) {
                    let xm = TradeCube.monthly(x), mm = TradeCube.monthly(m)
                    let allMonths = Set(xm.keys).union(mm.keys)
                    guard let first = allMonths.min(), let last = allMonths.max() else { continue }
                    var run: [(t: Int, gap: Gap)] = []
                    func flush() {
                        guard let peak = run.max(by: { $0.gap.score < $1.gap.score }) else { return }
                        findings.append((AnomalyText.period(monthIndex: run.first!.t - 11), AnomalyText.period(monthIndex: run.last!.t),
                                         VolumeSpikeDetector.window(peak.t), peak.gap, "rolling_12_months"))
                        run = []
                    }
                    for t in first...(last + 11) {
                        let window = (t - 11)...t
                        guard window.allSatisfy({ cube.monthCovered(e, $0) && cube.monthCovered(i, $0) }) else { continue }
                        var xc = Cell(), mc = Cell()
                        for mi in window {
                            if let c = xm[mi] { xc.add(c) }
                            if let c = mm[mi] { mc.add(c) }
                        }
                        guard xc.rows > 0 || mc.rows > 0, let g = compare(xc, mc, s) else { continue }
                        if let prev = run.last, prev.t != t - 1 { flush() }
                        run.append((t, g))
                    }
                    flush()
                } else {
                    let xa = TradeCube.annual(x), ma = TradeCube.annual(m)
                    for y in Set(xa.keys).union(ma.keys).sorted() where cube.yearComplete(e, y) && cube.yearComplete(i, y) {
                        if let g = compare(xa[y] ?? Cell(), ma[y] ?? Cell(), s) { findings.append((String(y), String(y), String(y), g, "annual")) }
                    }
                }
                for f in findings {
                    out.append(anomaly(f.gap, exporter: e, importer: i, key: key, start: f.start, end: f.end, compared: f.compared,
                                       mode: f.mode, input: input, settings: settings))
                }
            }
        }
        return DetectorSuite.keepMostSpecific(out)
    }

    func anomaly(_ g: Gap, exporter e: String, importer i: String, key: String, start: String, end: String, compared: String,
                 mode: String, input: DetectionInput, settings: DetectorSettings) -> Anomaly {
        let s = settings.mirrorGap
        let when = mode == "annual" ? "in \(compared)" : "in the 12 months \(compared)"
        func direction(_ gap: Double?, _ what: String) -> String? {
            guard let gap else { return nil }
            return gap >= 0 ? "imports exceed exports by \(AnomalyText.percent(gap)) in \(what)"
                            : "exports exceed imports by \(AnomalyText.percent(-gap)) in \(what)"
        }
        var parts = [direction(g.usdGap, "value"), direction(g.kgGap, "weight")].compactMap { $0 }
        if let u = g.usdGap, let k = g.kgGap, (u >= 0) == (k >= 0) {
            parts = [(u >= 0 ? "imports exceed exports" : "exports exceed imports")
                + " by \(AnomalyText.percent(abs(u))) in value and \(AnomalyText.percent(abs(k))) in weight"]
        }
        if parts.isEmpty { parts = ["the two sides disagree"] }
        let estimated = g.exports.kgEstimated || g.imports.kgEstimated
        let note = estimated ? " (weights partly estimated by the publisher; the kg gap counts ×\(AnomalyText.number(g.kgWeight, 2)))" : ""
        let summary = "Mirror gap \(e) → \(i) for \(input.catalog.label(key)) \(when): \(i) declared imports of "
            + "\(AnomalyText.usd(g.importsFOB)) FOB-equivalent (\(AnomalyText.percent(s.cifFobAllowance)) CIF/FOB allowance) and "
            + "\(AnomalyText.tonnes(g.imports.tonnes)), \(e) declared exports of \(AnomalyText.usd(g.exportsFOB)) and "
            + "\(AnomalyText.tonnes(g.exports.tonnes)): \(parts.joined(separator: " and "))\(note)."
        let cube = input.cube
        let evidence: JSONValue = [
            "exporter": .string(e), "importer": .string(i), "compared_at": .string(key), "mode": .string(mode),
            "exporter_codes": .array(cube.levelCodes(e, .export, key: key).map { .string($0) }),
            "importer_codes": .array(cube.levelCodes(i, .import, key: key).map { .string($0) }),
            "baseline": ["side": "exporter-declared exports", "usd_fob": AnomalyText.json(g.exportsFOB),
                         "usd_declared": AnomalyText.json(g.exports.usd), "kg": g.exports.hasKg ? AnomalyText.json(g.exports.kg) : .null,
                         "kg_estimated": .bool(g.exports.kgEstimated)],
            "observed": ["side": "importer-declared imports", "usd_fob": AnomalyText.json(g.importsFOB),
                         "usd_declared": AnomalyText.json(g.imports.usd), "usd_cif_part": AnomalyText.json(g.imports.usdCIF),
                         "kg": g.imports.hasKg ? AnomalyText.json(g.imports.kg) : .null, "kg_estimated": .bool(g.imports.kgEstimated)],
            "ratio": g.exportsFOB > 0 ? AnomalyText.json(g.importsFOB / g.exportsFOB) : .null,
            "gap_usd": g.usdGap.map(AnomalyText.json) ?? .null, "gap_kg": g.kgGap.map(AnomalyText.json) ?? .null,
            "kg_weight": AnomalyText.json(g.kgWeight), "usd_counted": .bool(g.usdCounted), "kg_counted": .bool(g.kgCounted),
            "statistic": "relative_gap_(larger-smaller)/smaller",
            "periods_compared": ["window": .string(compared), "flagged_from": .string(start), "flagged_to": .string(end)],
            "thresholds": settings.thresholdsJSON(name),
        ]
        return Anomaly(detector: name, severity: AnomalyText.severity(g.score, medium: s.severityMedium, high: s.severityHigh),
                       score: (g.score * 10000).rounded() / 10000, reporter: e, partner: i, hsCode: key,
                       periodStart: start, periodEnd: end, summary: summary, evidence: evidence)
    }
}
