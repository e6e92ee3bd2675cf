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
/// surge began; consecutive anomalous months form one finding. Once an episode is found, later
/// windows count its months at the level expected then, so the episode's tail leaving the window
/// (e.g. after a publishing gap broke the run) is not reported again. With `monthly_check`, each month
/// is also judged alone against its trailing months and the same month of earlier years (see
/// `monthlyEpisodes`), which catches a burst of a few months that a 12-month sum dilutes; a monthly
/// episode overlapping a 12-month finding of the same series is not repeated. A finding needs robust z ≥
/// `z_threshold`, at least `min_tonnes`, `min_increase_tonnes` above and `min_ratio` times the
/// expectation (`monthly_min_ratio` for single months; so 10 kg → 40 kg never fires). Partner series with no real history are left to
/// `new_partner`. Score = robust z.
public struct VolumeSpikeDetector: Detector {
    public let name = "volume_spike"
    public let parallelInside = true
    public init() {}

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let cube = input.cube
        // Each declarer's series are independent: judge declarers in parallel, collect in order.
        let work = Flow.allCases.flatMap { flow in cube.declarers(flow).map { (flow: flow, declarer: $0) } }
        let out = parallelMap(work.count) { i -> [Anomaly] in
            let (flow, declarer) = work[i]
            var found: [Anomaly] = []
            for code in cube.codes(declarer, flow) {
                var series: [(partner: String?, data: TradeCube.Series)] = [(nil, cube.totalSeries(declarer, flow, key: code))]
                for p in cube.partners(declarer, flow, key: code) {
                    series.append((p, cube.partnerSeries(declarer, flow, key: code, partner: p)))
                }
                for s in series {
                    found += evaluate(s.data, declarer: declarer, flow: flow, code: code, partner: s.partner,
                                      input: input, settings: settings)
                }
            }
            return found
        }.flatMap { $0 }
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
        /// Monthly check: the seasonal allowance (expected multiple of the trailing median, minus one).
        var seasonalLift: Double = 0
        /// Monthly check: the episode's peak month (period, observed, expected).
        var peak: (period: String, observed: Double, expected: Double)?
    }

    /// A baseline point: its x (year, or years before the observation), where it lies (a year or
    /// the month index a window ends at; turned into text only for a finding) and its tonnes.
    struct BaselinePoint {
        var x: Double
        var at: Int
        var tonnes: Double
    }

    func check(observed: Double, observedAt: Int, atX: Double, baseline: [BaselinePoint], label: (Int) -> String,
               thresholds: DetectorSettings.VolumeSpike) -> Check? {
        let s = thresholds
        guard observed >= s.minTonnes, baseline.count >= s.minBaselineYears,
              let tb = RobustStatistics.trendBaseline(x: baseline.map(\.x), y: baseline.map { log1p($0.tonnes) }, atX: atX,
                                                      maxSlope: log1p(s.maxTrendGrowth), scaleFloor: s.minLogScale)
        else { return nil }
        let expected = max(expm1(tb.predicted), 0)
        let z = (log1p(observed) - tb.predicted) / tb.scale
        guard z >= s.zThreshold, observed - expected >= s.minIncreaseTonnes,
              expected == 0 || observed / expected >= s.minRatio else { return nil }
        return Check(observedPeriod: label(observedAt), observed: observed, baseline: baseline.map { (label($0.at), $0.tonnes) },
                     expected: expected, median: RobustStatistics.median(baseline.map(\.tonnes)) ?? 0, z: z,
                     trendGrowth: expm1(tb.slope))
    }

    /// A run of anomalous periods of one series: its span, the check that scored it, and the mode
    /// that found it (`annual`, `rolling_12_months` or `monthly`).
    typealias Finding = (start: String, end: String, check: Check, mode: String)

    func evaluate(_ series: TradeCube.Series, declarer: String, flow: Flow, code: String, partner: String?,
                  input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let thresholds = settings.volumeSpike
        let coverage = input.cube.coverage(declarer, flow, key: code)
        let findings: [Finding]
        if coverage.hasMonthlyData, TradeCube.hasMonthly(series) {
            guard let last = coverage.lastMonth, let months = DenseMonths(series, last: last) else { return [] }
            findings = monthlyFindings(months, last: last, coverage: coverage, thresholds: thresholds)
        } else {
            findings = annualFindings(series, coverage: coverage, thresholds: thresholds)
        }
        return findings.compactMap { finding in
            anomaly(finding, declarer: declarer, flow: flow, code: code, partner: partner, input: input, settings: settings)
        }
    }

    /// Rolling 12-month episodes, then (with `monthly_check`) single-month episodes that overlap none of them.
    func monthlyFindings(_ months: DenseMonths, last: Int, coverage: Coverage,
                         thresholds: DetectorSettings.VolumeSpike) -> [Finding] {
        var findings = rollingEpisodes(months, last: last, coverage: coverage, thresholds: thresholds)
        if thresholds.monthlyCheck {
            let rollingSpans = findings.map { (Period($0.start)!.monthIndex, Period($0.end)!.monthIndex) }
            for e in monthlyEpisodes(months, last: last, coverage: coverage, thresholds: thresholds)
                where !rollingSpans.contains(where: { $0.0 <= e.end && e.start <= $0.1 }) {
                findings.append((AnomalyText.period(monthIndex: e.start), AnomalyText.period(monthIndex: e.end), e.check, "monthly"))
            }
        }
        return findings
    }

    /// Each rolling 12-month sum against the same windows of earlier years; consecutive anomalous
    /// windows form one episode, and an episode's months count at their expected level afterwards.
    func rollingEpisodes(_ months: DenseMonths, last: Int, coverage: Coverage,
                         thresholds: DetectorSettings.VolumeSpike) -> [Finding] {
        let s = thresholds
        let first = months.first
        let tonnes = months.tonnes
        var findings: [Finding] = []
        /// Months of earlier rolling episodes, with the monthly level expected at the time: a later
        /// window counts them at that level, so an episode's tail does not make a second finding.
        var masked: [Int: Double] = [:]
        func rolling(_ t: Int, masking: Bool) -> Double? {
            guard coverage.contains(t) else { return nil }
            var covered = 0
            for m in (t - 11)...t where coverage.contains(m) { covered += 1 }
            guard covered >= s.minCoveredMonths else { return nil }
            var sum = 0.0
            for m in (t - 11)...t { sum += (masking ? masked[m] : nil) ?? tonnes(m) }
            return sum
        }
        var run: [(t: Int, check: Check)] = []
        func flush() {
            guard let peak = run.max(by: { $0.check.z < $1.check.z }) else { return }
            let (t0, t1) = (run.first!.t, run.last!.t)
            findings.append((AnomalyText.period(monthIndex: t0), AnomalyText.period(monthIndex: t1), peak.check, "rolling_12_months"))
            // The months that drove the episode: from 11 months before its first window to its last.
            for m in (t0 - 11)...t1 where masked[m] == nil { masked[m] = run.first!.check.expected / 12 }
            run = []
        }
        var t = first
        while t <= last {
            var fired = false
            // A window below min_tonnes never fires: its baseline need not be computed.
            if let obs = rolling(t, masking: false), obs >= s.minTonnes {
                let baseline = (1...s.baselineYears).compactMap { k -> BaselinePoint? in
                    guard let v = rolling(t - 12 * k, masking: false) else { return nil }
                    return BaselinePoint(x: Double(-k), at: t - 12 * k, tonnes: v)
                }.reversed()
                if let c = check(observed: obs, observedAt: t, atX: 0, baseline: Array(baseline), label: Self.window, thresholds: s) {
                    // Still anomalous once earlier episodes' months are counted at their expected level?
                    let echo = !masked.isEmpty && rolling(t, masking: true).map {
                        check(observed: $0, observedAt: t, atX: 0, baseline: Array(baseline), label: Self.window, thresholds: s) == nil
                    } ?? true
                    if !echo { run.append((t, c)); fired = true }
                }
            }
            if !fired { flush() }
            t += 1
        }
        flush()
        return findings
    }

    /// Each complete calendar year against the previous `baseline_years` complete years.
    func annualFindings(_ series: TradeCube.Series, coverage: Coverage, thresholds: DetectorSettings.VolumeSpike) -> [Finding] {
        let annual = TradeCube.annual(series)
        let years = coverage.coveredYears.filter { coverage.yearComplete($0) }
        var findings: [Finding] = []
        for y in years {
            let baseline = years.filter { $0 < y && $0 >= y - thresholds.baselineYears }
                .map { BaselinePoint(x: Double($0), at: $0, tonnes: annual[$0]?.tonnes ?? 0) }
            if let c = check(observed: annual[y]?.tonnes ?? 0, observedAt: y, atX: Double(y), baseline: baseline,
                             label: { String($0) }, thresholds: thresholds) {
                findings.append((String(y), String(y), c, "annual"))
            }
        }
        return findings
    }

    /// The finding as an anomaly, nil for a partner series with too little history (`new_partner`'s case).
    func anomaly(_ finding: Finding, declarer: String, flow: Flow, code: String, partner: String?,
                 input: DetectionInput, settings: DetectorSettings) -> Anomaly? {
        let thresholds = settings.volumeSpike
        let c = finding.check
        let yearlyMedian = finding.mode == "monthly" ? c.median * 12 : c.median
        if partner != nil, yearlyMedian < thresholds.partnerMinBaselineTonnes { return nil }
        let (exporter, importer) = AnomalyText.orient(declarer: declarer, partner: partner ?? "WLD", flow: flow)
        // A total's rise is explained by the partners whose shipments rose most.
        let gains = partner == nil
            ? Self.partnerGains(input.cube, declarer: declarer, flow: flow, code: code,
                                observed: c.observedPeriod, baseline: c.baseline.map(\.period)) : []
        let summary = Self.summary(finding, declarer: declarer, flow: flow, partner: partner,
                                   label: input.catalog.label(code), gains: gains)
        let evidence: JSONValue = [
            "partner_gains": .array(gains.map { ["partner": .string($0.partner), "observed_t": AnomalyText.json($0.observed),
                                                "usual_t": AnomalyText.json($0.usual)] }),
            "declared_by": .string(declarer), "flow": .string(flow.rawValue),
            "series": partner == nil ? "total" : "partner", "mode": .string(finding.mode),
            "observed": ["period": .string(c.observedPeriod), "tonnes": AnomalyText.json(c.observed)],
            "observed_t": AnomalyText.json(c.observed), "expected_t": AnomalyText.json(c.expected),
            "baseline_median_t": AnomalyText.json(c.median),
            "ratio": c.expected > 0 ? AnomalyText.json(c.observed / c.expected) : .null,
            "statistic": finding.mode == "monthly" ? "robust_z_log1p_month_vs_trailing_median_and_season" : "robust_z_log1p_tonnes_vs_theil_sen_trend", "z": AnomalyText.json(c.z),
            "trend_growth_per_year": AnomalyText.json(c.trendGrowth),
            "seasonal_lift": AnomalyText.json(c.seasonalLift),
            "peak": c.peak.map { ["period": .string($0.period), "observed_t": AnomalyText.json($0.observed),
                                  "expected_t": AnomalyText.json($0.expected)] } ?? .null,
            "baseline": .array(c.baseline.map { ["period": .string($0.period), "tonnes": AnomalyText.json($0.tonnes)] }),
            "periods_compared": ["observed": .string(c.observedPeriod), "baseline": .array(c.baseline.map { .string($0.period) })],
            "thresholds": settings.thresholdsJSON(name),
        ]
        return Anomaly(detector: name, severity: AnomalyText.severity(c.z, medium: thresholds.severityMedium, high: thresholds.severityHigh),
                       score: (c.z * 1000).rounded() / 1000, reporter: exporter, partner: importer, hsCode: code,
                       periodStart: finding.start, periodEnd: finding.end, summary: summary, evidence: evidence)
    }

    /// One sentence: observed vs expected and from what, the episode's span or peak, and for a
    /// total the partners the rise came from.
    static func summary(_ finding: Finding, declarer: String, flow: Flow, partner: String?, label: String,
                        gains: [(partner: String, observed: Double, usual: Double)]) -> String {
        let c = finding.check
        let toFrom = (flow == .export || flow == .reExport) ? "to" : "from"
        let who = partner.map { "\(toFrom) \($0)" } ?? "\(toFrom) all partners"
        let firstBase = c.baseline.first?.period ?? "", lastBase = c.baseline.last?.period ?? ""
        let baseSpan = finding.mode == "annual" ? AnomalyText.span(firstBase, lastBase)
            : "the same 12-month windows of " + AnomalyText.span(String(firstBase.suffix(7).prefix(4)), String(lastBase.suffix(7).prefix(4)))
        let when = finding.mode == "annual" ? "in \(c.observedPeriod)" : "in the 12 months \(c.observedPeriod)"
        let began = finding.mode == "annual" ? "" : (finding.start == finding.end ? "" : "; anomalous from \(finding.start) to \(finding.end)")
        var summary = "\(declarer) \(AnomalyText.noun(flow)) of \(label) \(who): "
            + "\(AnomalyText.tonnes(c.observed)) \(when) vs \(AnomalyText.tonnes(c.expected)) expected from "
            + "\(baseSpan) (median \(AnomalyText.tonnes(c.median))), robust z \(AnomalyText.number(c.z))\(began)."
        if finding.mode == "monthly" {
            let months = (Period(finding.end)!.monthIndex - Period(finding.start)!.monthIndex) + 1
            let season = c.seasonalLift > 0.005 ? " raised \(AnomalyText.change(c.seasonalLift)) for the season" : ""
            let basis = "the trailing \(c.baseline.count) months (median \(AnomalyText.tonnes(c.median)) a month\(season))"
            let peak = c.peak.map { p in
                months == 1 ? "" : "; the peak was \(AnomalyText.tonnes(p.observed)) in \(p.period) vs \(AnomalyText.tonnes(p.expected)) expected"
            } ?? ""
            summary = "\(declarer) \(AnomalyText.noun(flow)) of \(label) \(who): "
                + "\(AnomalyText.tonnes(c.observed)) in \(c.observedPeriod)\(months > 1 ? " (\(months) months)" : "") vs "
                + "\(AnomalyText.tonnes(c.expected)) expected from \(basis)\(peak), robust z \(AnomalyText.number(c.z))."
        }
        if !gains.isEmpty {
            let named = gains.map { g in
                "\(g.partner) \(AnomalyText.tonnes(g.observed)) vs \(AnomalyText.tonnes(g.usual)) usual" + (g.usual < 0.5 ? " (new)" : "")
            }
            summary = String(summary.dropLast()) + "; the rise came mostly from " + named.joined(separator: ", ") + "."
        }
        return summary
    }

    /// The partners whose tonnage in the observed window rose most above their average over the
    /// baseline windows, largest first, until they make up 80 % of the total rise (at most three).
    static func partnerGains(_ cube: TradeCube, declarer: String, flow: Flow, code: String, observed: String,
                             baseline: [String]) -> [(partner: String, observed: Double, usual: Double)] {
        guard let window = monthRange(observed) else { return [] }
        let windows = baseline.compactMap(monthRange)
        var gains: [(partner: String, observed: Double, usual: Double)] = []
        for p in cube.partners(declarer, flow, key: code) {
            let series = cube.partnerSeries(declarer, flow, key: code, partner: p)
            func tonnes(_ range: ClosedRange<Int>) -> Double {
                series.reduce(0) { sum, entry in range.contains(entry.key.monthIndex) ? sum + entry.value.tonnes : sum }
            }
            let now = tonnes(window)
            let usual = windows.isEmpty ? 0 : windows.map(tonnes).reduce(0, +) / Double(windows.count)
            if now - usual > 0 { gains.append((p, now, usual)) }
        }
        gains.sort { ($0.observed - $0.usual, $1.partner) > ($1.observed - $1.usual, $0.partner) }
        let total = gains.reduce(0) { $0 + $1.observed - $1.usual }
        var kept: [(partner: String, observed: Double, usual: Double)] = []
        var covered = 0.0
        for g in gains where kept.count < 3 && covered < 0.8 * total {
            kept.append(g)
            covered += g.observed - g.usual
        }
        return kept
    }

    /// Month indices of a period text: `2024` (the whole year), `2024-03`, or a span `2024-03–2025-02`.
    static func monthRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.components(separatedBy: "–")
        guard let first = Period(parts[0]), let last = Period(parts.count > 1 ? parts[1] : parts[0]) else { return nil }
        let start = first.monthIndex
        let end = last.month == nil ? last.year * 12 + 11 : last.monthIndex
        return start <= end ? start...end : nil
    }

    /// Each month against a robust baseline from the same series: the median of log1p(tonnes) over
    /// the trailing `monthly_baseline_months` published months, raised (never lowered) by a seasonal
    /// allowance — how far the same calendar month stood above its surrounding year in each of the last
    /// `monthly_seasonal_years` years, taking the lower median so a peak must recur. Scale: 1.4826·MAD
    /// of the trailing months, floored at `min_log_scale`. Lumpy series (fewer than
    /// `monthly_min_active_share` of trailing months with shipments) are not judged month by month.
    /// Consecutive anomalous months form one episode, scored by its peak month.
    func monthlyEpisodes(_ months: DenseMonths, last: Int, coverage: Coverage,
                         thresholds: DetectorSettings.VolumeSpike) -> [(start: Int, end: Int, check: Check)] {
        let s = thresholds
        let first = months.first
        let tonnes = months.tonnes
        func covered(_ m: Int) -> Bool { m >= first && coverage.contains(m) }
        let logs = months.log1pTonnes
        // Scratch buffers reused for every month: the trailing window and its deviations.
        var window: [Double] = [], deviations: [Double] = [], around: [Double] = [], lifts: [Double] = []
        var episodes: [(start: Int, end: Int, check: Check)] = []
        var run: [(t: Int, check: Check)] = []
        func flush() {
            guard let peak = run.max(by: { $0.check.z < $1.check.z }) else { return }
            var c = peak.check
            c.observed = run.reduce(0) { $0 + $1.check.observed }
            c.expected = run.reduce(0) { $0 + $1.check.expected }
            c.peak = (AnomalyText.period(monthIndex: peak.t), peak.check.observed, peak.check.expected)
            c.observedPeriod = AnomalyText.span(AnomalyText.period(monthIndex: run.first!.t), AnomalyText.period(monthIndex: run.last!.t))
            episodes.append((run.first!.t, run.last!.t, c))
            run = []
        }
        for t in first...max(first, last) {
            var hit: Check?
            let observed = tonnes(t)
            // A month below min_tonnes never fires: its baseline need not be computed.
            if covered(t), observed >= s.minTonnes {
                let trailing = (t - s.monthlyBaselineMonths)..<t
                window.removeAll(keepingCapacity: true)
                var active = 0
                for m in trailing where covered(m) {
                    window.append(logs(m))
                    if tonnes(m) > 0 { active += 1 }
                }
                if window.count >= s.monthlyMinBaselineMonths,
                   Double(active) / Double(window.count) >= s.monthlyMinActiveShare {
                    let med = RobustStatistics.median(sorting: &window)
                    deviations.removeAll(keepingCapacity: true)
                    for v in window { deviations.append(abs(v - med)) }
                    let scale = max(RobustStatistics.madToSigma * RobustStatistics.median(sorting: &deviations), s.minLogScale)
                    // Seasonal allowance: the same calendar month vs the 12 months around it, earlier years.
                    lifts.removeAll(keepingCapacity: true)
                    for k in stride(from: 1, through: s.monthlySeasonalYears, by: 1) {
                        let m = t - 12 * k
                        guard covered(m) else { continue }
                        around.removeAll(keepingCapacity: true)
                        for a in (m - 6)...(m + 5) where covered(a) { around.append(logs(a)) }
                        guard around.count >= 9 else { continue }
                        lifts.append(logs(m) - RobustStatistics.median(sorting: &around))
                    }
                    lifts.sort()
                    let lift = max(lifts.isEmpty ? 0 : lifts[(lifts.count - 1) / 2], 0)   // the lower median
                    let predicted = med + lift
                    let expected = max(expm1(predicted), 0)
                    let z = (log1p(observed) - predicted) / scale
                    if z >= s.zThreshold, observed - expected >= s.minIncreaseTonnes,
                       expected == 0 || observed / expected >= s.monthlyMinRatio {
                        hit = Check(observedPeriod: AnomalyText.period(monthIndex: t), observed: observed,
                                    baseline: trailing.filter(covered).map { (AnomalyText.period(monthIndex: $0), tonnes($0)) },
                                    expected: expected, median: expm1(med), z: z, trendGrowth: 0, seasonalLift: expm1(lift))
                    }
                }
            }
            if let hit { run.append((t, hit)) } else { flush() }
        }
        flush()
        return episodes
    }

    /// A monthly series laid out densely from its first month to `last`: tonnes and log1p(tonnes)
    /// by array index rather than by hashing a period; months outside the range count as 0 t.
    struct DenseMonths {
        let first: Int
        private let values: [Double]
        private let logs: [Double]

        init?(_ series: TradeCube.Series, last: Int) {
            var first = Int.max
            for period in series.keys where period.month != nil { first = min(first, period.monthIndex) }
            guard first <= last else { return nil }
            var values = [Double](repeating: 0, count: last - first + 1)
            for (period, cell) in series where period.month != nil && period.monthIndex <= last {
                values[period.monthIndex - first] = cell.tonnes
            }
            self.first = first
            self.values = values
            self.logs = values.map { log1p($0) }
        }

        func tonnes(_ m: Int) -> Double {
            let i = m - first
            return i >= 0 && i < values.count ? values[i] : 0
        }

        func log1pTonnes(_ m: Int) -> Double {
            let i = m - first
            return i >= 0 && i < logs.count ? logs[i] : 0
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
