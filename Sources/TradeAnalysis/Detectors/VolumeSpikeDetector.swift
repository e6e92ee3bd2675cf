import Foundation
import TradeCore

/// `volume_spike`: a series (reporter, flow, code, and each partner) far above its own history.
///
/// Method. Values are tonnes on a log1p scale. The baseline is a Theil–Sen trend through the
/// previous `baseline_years` comparable points, its slope clamped to 0…log(1 + max_trend_growth) (a
/// steady trend is expected, a decline never raises the bar), with the residual scale
/// 1.4826·MAD floored at `min_log_scale`. Annual series compare calendar years. Monthly series
/// compare each rolling 12-month sum with the same 12-month windows of earlier years, which
/// removes a recurring December peak or February (lunar new year) dip while still dating the month a
/// surge began; consecutive anomalous months form one finding. A finding needs robust z ≥
/// `z_threshold`, at least `min_tonnes`, `min_increase_tonnes` above and `min_ratio` times the
/// expectation (so 10 kg → 40 kg never fires). Partner series with no real history are left to
/// `new_partner`. Score = robust z.
public struct VolumeSpikeDetector: Detector {
    public let name = "volume_spike"
    public init() {}

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let cube = input.cube
        var out: [Anomaly] = []
        for flow in Flow.allCases {
            for declarer in cube.declarers(flow) {
                for code in cube.codes(declarer, flow) {
                    var series: [(partner: String?, data: TradeCube.Series)] = [(nil, cube.totalSeries(declarer, flow, key: code))]
                    for p in cube.partners(declarer, flow, key: code) {
                        series.append((p, cube.partnerSeries(declarer, flow, key: code, partner: p)))
                    }
                    for s in series {
                        out += evaluate(s.data, declarer: declarer, flow: flow, code: code, partner: s.partner,
                                        input: input, settings: settings)
                    }
                }
            }
        }
        return DetectorSuite.keepMostSpecific(out)
    }

    /// One comparison of an observed value with its baseline points.
    struct Check {
        var observedPeriod: String
        var observed: Double
        var baseline: [(period: String, tonnes: Double)]
        var expected: Double
        var median: Double
        var z: Double
        var trendGrowth: Double
    }

    func check(observed: Double, observedPeriod: String, atX: Double, baseline: [(x: Double, period: String, tonnes: Double)],
               s: DetectorSettings.VolumeSpike) -> Check? {
        guard baseline.count >= s.minBaselineYears,
              let tb = RobustStatistics.trendBaseline(x: baseline.map(\.x), y: baseline.map { log1p($0.tonnes) }, atX: atX,
                                                      maxSlope: log1p(s.maxTrendGrowth), scaleFloor: s.minLogScale)
        else { return nil }
        let expected = max(expm1(tb.predicted), 0)
        let z = (log1p(observed) - tb.predicted) / tb.scale
        guard z >= s.zThreshold, observed >= s.minTonnes, observed - expected >= s.minIncreaseTonnes,
              expected == 0 || observed / expected >= s.minRatio else { return nil }
        return Check(observedPeriod: observedPeriod, observed: observed, baseline: baseline.map { ($0.period, $0.tonnes) },
                     expected: expected, median: RobustStatistics.median(baseline.map(\.tonnes)) ?? 0, z: z,
                     trendGrowth: expm1(tb.slope))
    }

    func evaluate(_ series: TradeCube.Series, declarer: String, flow: Flow, code: String, partner: String?,
                  input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.volumeSpike
        let cube = input.cube
        var findings: [(start: String, end: String, check: Check, mode: String)] = []

        if cube.hasMonthlyData(declarer), TradeCube.hasMonthly(series) {
            let monthly = TradeCube.monthly(series)
            guard let first = monthly.keys.min(), let last = cube.lastMonthIndex[declarer] else { return [] }
            func rolling(_ t: Int) -> Double? {
                let months = (t - 11)...t
                guard cube.monthCovered(declarer, t),
                      months.filter({ cube.monthCovered(declarer, $0) }).count >= s.minCoveredMonths else { return nil }
                return months.reduce(0) { $0 + (monthly[$1]?.tonnes ?? 0) }
            }
            var run: [(t: Int, check: Check)] = []
            func flush() {
                guard let peak = run.max(by: { $0.check.z < $1.check.z }) else { return }
                findings.append((AnomalyText.period(monthIndex: run.first!.t), AnomalyText.period(monthIndex: run.last!.t),
                                 peak.check, "rolling_12_months"))
                run = []
            }
            var t = first
            while t <= last {
                if let obs = rolling(t) {
                    let baseline = (1...s.baselineYears).compactMap { k -> (x: Double, period: String, tonnes: Double)? in
                        guard let v = rolling(t - 12 * k) else { return nil }
                        return (Double(-k), Self.window(t - 12 * k), v)
                    }.reversed()
                    if let c = check(observed: obs, observedPeriod: Self.window(t), atX: 0, baseline: Array(baseline), s: s) {
                        if let prev = run.last, prev.t != t - 1 { flush() }
                        run.append((t, c))
                    }
                }
                t += 1
            }
            flush()
        } else {
            let annual = TradeCube.annual(series)
            let years = cube.coveredYears(declarer).filter { cube.yearComplete(declarer, $0) }
            for y in years {
                let baseline = years.filter { $0 < y && $0 >= y - s.baselineYears }
                    .map { (x: Double($0), period: String($0), tonnes: annual[$0]?.tonnes ?? 0) }
                if let c = check(observed: annual[y]?.tonnes ?? 0, observedPeriod: String(y), atX: Double(y), baseline: baseline, s: s) {
                    findings.append((String(y), String(y), c, "annual"))
                }
            }
        }

        return findings.compactMap { f in
            let c = f.check
            if partner != nil, c.median < s.partnerMinBaselineTonnes { return nil } // new_partner's case
            let (exporter, importer) = AnomalyText.orient(declarer: declarer, partner: partner ?? "WLD", flow: flow)
            let toFrom = (flow == .export || flow == .reExport) ? "to" : "from"
            let who = partner.map { "\(toFrom) \($0)" } ?? "\(toFrom) all partners"
            let firstBase = c.baseline.first?.period ?? "", lastBase = c.baseline.last?.period ?? ""
            let baseSpan = f.mode == "annual" ? AnomalyText.span(firstBase, lastBase)
                : "the same 12-month windows of " + AnomalyText.span(String(firstBase.suffix(7).prefix(4)), String(lastBase.suffix(7).prefix(4)))
            let when = f.mode == "annual" ? "in \(c.observedPeriod)" : "in the 12 months \(c.observedPeriod)"
            let began = f.mode == "annual" ? "" : (f.start == f.end ? "" : "; anomalous from \(f.start) to \(f.end)")
            let summary = "\(declarer) \(AnomalyText.noun(flow)) of \(input.catalog.label(code)) \(who): "
                + "\(AnomalyText.tonnes(c.observed)) \(when) vs \(AnomalyText.tonnes(c.expected)) expected from "
                + "\(baseSpan) (median \(AnomalyText.tonnes(c.median))), robust z \(AnomalyText.number(c.z))\(began)."
            let evidence: JSONValue = [
                "declared_by": .string(declarer), "flow": .string(flow.rawValue),
                "series": partner == nil ? "total" : "partner", "mode": .string(f.mode),
                "observed": ["period": .string(c.observedPeriod), "tonnes": AnomalyText.json(c.observed)],
                "observed_t": AnomalyText.json(c.observed), "expected_t": AnomalyText.json(c.expected),
                "baseline_median_t": AnomalyText.json(c.median),
                "ratio": c.expected > 0 ? AnomalyText.json(c.observed / c.expected) : .null,
                "statistic": "robust_z_log1p_tonnes_vs_theil_sen_trend", "z": AnomalyText.json(c.z),
                "trend_growth_per_year": AnomalyText.json(c.trendGrowth),
                "baseline": .array(c.baseline.map { ["period": .string($0.period), "tonnes": AnomalyText.json($0.tonnes)] }),
                "periods_compared": ["observed": .string(c.observedPeriod), "baseline": .array(c.baseline.map { .string($0.period) })],
                "thresholds": settings.thresholdsJSON(name),
            ]
            return Anomaly(detector: name, severity: AnomalyText.severity(c.z, medium: s.severityMedium, high: s.severityHigh),
                           score: (c.z * 1000).rounded() / 1000, reporter: exporter, partner: importer, hsCode: code,
                           periodStart: f.start, periodEnd: f.end, summary: summary, evidence: evidence)
        }
    }

    /// "2023-07–2024-06" for the 12-month window ending at month index `t`.
    static func window(_ t: Int) -> String {
        "\(AnomalyText.period(monthIndex: t - 11))–\(AnomalyText.period(monthIndex: t))"
    }
}

extension DetectorSettings {
    /// The detector's thresholds as evidence JSON.
    func thresholdsJSON(_ detector: String) -> JSONValue {
        .object((values[detector] ?? [:]).mapValues { AnomalyText.json($0) })
    }
}
