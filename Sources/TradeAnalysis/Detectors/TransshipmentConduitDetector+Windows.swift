import Foundation
import TradeCore

/// Rolling windows of months, where both legs of a conduit are monthly: a burst of a few months is
/// judged against each leg's own trailing average month, so a non-zero baseline does not hide it in
/// a calendar-year total.
extension TransshipmentConduitDetector {
    /// A leg's covered months as prefix sums over a dense range: the tonnes and the number of covered
    /// months of any span in constant time, so scanning windows is linear in months.
    struct LegMonths {
        let lo: Int
        private var tonnes: [Double] = [0]
        private var covered: [Int] = [0]

        /// `monthly`: tonnes by month index; `covers`: whether a declarer of the leg published the month.
        init(lo: Int, hi: Int, monthly: [Int: Double], covers: (Int) -> Bool) {
            self.lo = lo
            for m in lo...max(lo, hi) {
                let c = covers(m)
                tonnes.append(tonnes.last! + (c ? monthly[m] ?? 0 : 0))
                covered.append(covered.last! + (c ? 1 : 0))
            }
        }

        private func clamp(_ r: Range<Int>) -> Range<Int> {
            let a = min(max(r.lowerBound - lo, 0), tonnes.count - 1), b = min(max(r.upperBound - lo, 0), tonnes.count - 1)
            return a..<max(a, b)
        }

        func sum(_ r: Range<Int>) -> Double { let c = clamp(r); return tonnes[c.upperBound] - tonnes[c.lowerBound] }
        func coveredCount(_ r: Range<Int>) -> Int { let c = clamp(r); return covered[c.upperBound] - covered[c.lowerBound] }
    }

    /// Months a window scan may look at around a leg's data: a baseline before, a window and a lag after.
    static func margin(_ s: DetectorSettings.TransshipmentConduit) -> Int { s.baselineMonths + s.windowMonths + s.maxLagMonths }

    /// A window where the origin → conduit leg surges: its first month, tonnes and the average month
    /// of its trailing baseline.
    struct FirstLegWindow {
        var start: Int
        var a: Double
        var meanA: Double
    }

    /// A window where both legs surge, the onward leg `lag` months later.
    struct ConduitWindow {
        var first: FirstLegWindow
        var lag: Int
        var b: Double
        var meanB: Double
    }

    /// The leg's tonnes in the `window_months` from `start` when it published every one of them, and
    /// its average covered month over the `baseline_months` before (no verdict with fewer than half covered).
    static func window(_ m: LegMonths, start: Int, _ s: DetectorSettings.TransshipmentConduit) -> (tonnes: Double, mean: Double)? {
        let w = start..<(start + s.windowMonths)
        guard m.coveredCount(w) == s.windowMonths else { return nil }
        let base = (start - s.baselineMonths)..<start
        let n = m.coveredCount(base)
        guard n > 0, 2 * n >= s.baselineMonths else { return nil }
        return (m.sum(w), m.sum(base) / Double(n))
    }

    static func surges(_ tonnes: Double, mean: Double, _ s: DetectorSettings.TransshipmentConduit) -> Bool {
        tonnes >= s.minTonnes && tonnes >= s.surgeRatio * max(mean * Double(s.windowMonths), s.floorTonnes)
    }

    /// The origin → conduit windows that surge, whichever destination follows.
    static func firstLegWindows(_ ok: Leg, _ s: DetectorSettings.TransshipmentConduit) -> [FirstLegWindow] {
        guard let m = ok.months, let om = ok.monthly, let first = om.keys.min(), let last = om.keys.max() else { return [] }
        var out: [FirstLegWindow] = []
        for t in (first - s.windowMonths + 1)...last {
            guard let (a, mean) = window(m, start: t, s), surges(a, mean: mean, s) else { continue }
            out.append(FirstLegWindow(start: t, a: a, meanA: mean))
        }
        return out
    }

    /// Monthly inflow of every country (all origins), for the shares of Freund's criteria.
    static func monthlyInflow(_ legs: [[String]: Leg], _ s: DetectorSettings.TransshipmentConduit) -> [String: LegMonths] {
        var tonnes: [String: [Int: Double]] = [:]
        for pair in legs.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for (m, t) in legs[pair]!.monthly ?? [:] { tonnes[pair[1], default: [:]][m, default: 0] += t }
        }
        return tonnes.mapValues { byMonth in
            LegMonths(lo: byMonth.keys.min()! - margin(s), hi: byMonth.keys.max()! + margin(s), monthly: byMonth) { _ in true }
        }
    }

    /// One finding per episode of overlapping windows where both legs surge over their trailing
    /// baselines and the other criteria hold; episodes overlapping a calendar-year finding of the
    /// same conduit (`annualSpans`, month indices) are left to it.
    func evaluateWindows(_ route: Route, key: String, legs: [[String]: Leg], inflow: [String: LegMonths],
                         firstLeg: [FirstLegWindow], annualSpans: [ClosedRange<Int>], input: DetectionInput,
                         settings: DetectorSettings) -> [Anomaly] {
        let s = settings.transshipmentConduit
        let (o, k, d) = (route.origin, route.via, route.destination)
        guard let km = legs[[k, d]]!.months, !firstLeg.isEmpty else { return [] }
        var passing: [ConduitWindow] = []
        for f in firstLeg {
            var best: ConduitWindow?
            for l in 0...s.maxLagMonths {
                guard let (b, meanB) = Self.window(km, start: f.start + l, s), Self.surges(b, mean: meanB, s),
                      f.a >= s.minLegCoverage * b else { continue }
                if best.map({ min(f.a, b) > min(f.a, $0.b) + 1e-9 }) ?? true { best = ConduitWindow(first: f, lag: l, b: b, meanB: meanB) }
            }
            guard let w = best, freund(w, route, legs: legs, inflow: inflow, s).holds else { continue }
            let production = Self.production(of: k, year: w.first.start / 12, stats: input.mineralStats)?.value ?? 0
            // Mine production is yearly: compared with the onward leg's rate over a year.
            guard production < s.maxProductionRatio * w.b * 12 / Double(s.windowMonths) else { continue }
            passing.append(w)
        }
        var episodes: [[ConduitWindow]] = []
        for w in passing {
            if let last = episodes.last?.last, w.first.start <= last.first.start + s.windowMonths - 1 {
                episodes[episodes.count - 1].append(w)
            } else {
                episodes.append([w])
            }
        }
        return episodes.compactMap { episode in
            let e = Episode(episode, legs[[o, k]]!, legs[[k, d]]!, s)
            guard !annualSpans.contains(where: { $0.overlaps(e.spanA.lowerBound...e.spanB.upperBound) }) else { return nil }
            return anomaly(e, route, key: key, legs: legs, inflow: inflow, input: input, settings: settings)
        }
    }

    /// Freund's share criteria over a window and its trailing baseline, as far as the data allow.
    struct Shares {
        var okPre: Double?, okPost: Double?, kdPre: Double?, kdPost: Double?, odPre: Double?, odPost: Double?
        var odEvaluable: Bool { (odPre ?? 0) > 0 }
        var holds: Bool {
            // "Rises" also holds when the share is already dominant (≥ 95 %) and cannot rise further.
            let originRisesInK = okPre.map { (okPost ?? 0) > $0 || (okPost ?? 0) >= 0.95 } ?? true
            let conduitRisesInD = kdPre.map { (kdPost ?? 0) > $0 || (kdPost ?? 0) >= 0.95 } ?? true
            return originRisesInK && conduitRisesInD && (odEvaluable ? (odPost ?? 0) < odPre! : true)
        }
    }

    func freund(_ w: ConduitWindow, _ route: Route, legs: [[String]: Leg], inflow: [String: LegMonths],
                _ s: DetectorSettings.TransshipmentConduit) -> Shares {
        let (o, k, d) = (route.origin, route.via, route.destination)
        let t = w.first.start, u = w.first.start + w.lag
        func share(_ pair: [String], _ r: Range<Int>) -> Double? {
            guard let m = legs[pair]?.months, let den = inflow[pair[1]]?.sum(r), den > 0 else { return nil }
            return m.sum(r) / den
        }
        let preA = (t - s.baselineMonths)..<t, postA = t..<(t + s.windowMonths)
        let preB = (u - s.baselineMonths)..<u, postB = u..<(u + s.windowMonths)
        return Shares(okPre: share([o, k], preA), okPost: share([o, k], postA), kdPre: share([k, d], preB),
                      kdPost: share([k, d], postB), odPre: share([o, d], preB), odPost: share([o, d], postB))
    }

    /// An episode's figures: the months each leg ran above `surge_ratio` × its trailing average month
    /// (taken before the episode's first window) inside the episode's windows.
    struct Episode {
        var windows: [ConduitWindow]
        var spanA: ClosedRange<Int>
        var spanB: ClosedRange<Int>
        var a: Double, b: Double, meanA: Double, meanB: Double
        var lag: Int

        init(_ windows: [ConduitWindow], _ ok: Leg, _ kd: Leg, _ s: DetectorSettings.TransshipmentConduit) {
            self.windows = windows
            let first = windows.first!
            (meanA, meanB) = (first.first.meanA, first.meanB)
            let unionA = first.first.start...(windows.last!.first.start + s.windowMonths - 1)
            let unionB = windows.map { $0.first.start + $0.lag }.min()!...(windows.map { $0.first.start + $0.lag }.max()! + s.windowMonths - 1)
            func surging(_ monthly: [Int: Double], _ union: ClosedRange<Int>, _ mean: Double) -> ClosedRange<Int> {
                let level = s.surgeRatio * max(mean, s.floorTonnes / Double(s.windowMonths))
                let months = union.filter { (monthly[$0] ?? 0) > 0 && (monthly[$0] ?? 0) >= level }
                guard let lo = months.first, let hi = months.last else { return union }
                return lo...hi
            }
            spanA = surging(ok.monthly ?? [:], unionA, meanA)
            spanB = surging(kd.monthly ?? [:], unionB, meanB)
            a = spanA.reduce(0) { $0 + (ok.monthly?[$1] ?? 0) }
            b = spanB.reduce(0) { $0 + (kd.monthly?[$1] ?? 0) }
            // The lag is where the onward surge begins after the first; windows only bound it.
            let onset = spanB.lowerBound - spanA.lowerBound
            lag = (0...s.maxLagMonths).contains(onset) ? onset : windows.max { min($0.first.a, $0.b) < min($1.first.a, $1.b) }!.lag
        }
    }

    func anomaly(_ e: Episode, _ route: Route, key: String, legs: [[String]: Leg], inflow: [String: LegMonths],
                 input: DetectionInput, settings: DetectorSettings) -> Anomaly {
        let s = settings.transshipmentConduit
        let (o, k, d) = (route.origin, route.via, route.destination)
        let shares = freund(e.windows[0], route, legs: legs, inflow: inflow, s)
        let (lenA, lenB) = (Double(e.spanA.count), Double(e.spanB.count))
        let ratioA = e.a / max(e.meanA * lenA, s.floorTonnes), ratioB = e.b / max(e.meanB * lenB, s.floorTonnes)
        let moved = min(e.a, e.b)
        let year = e.spanA.lowerBound / 12
        let production = Self.production(of: k, year: year, stats: input.mineralStats)
        func span(_ r: ClosedRange<Int>) -> String {
            AnomalyText.span(AnomalyText.period(monthIndex: r.lowerBound), AnomalyText.period(monthIndex: r.upperBound))
        }
        let lagText = e.lag == 0 ? "in the same months" : "with a \(e.lag)-month lag"
        let prodText = production.map { "\(k) mined \(AnomalyText.number($0.value, 0)) t REO in \($0.year) (USGS)" }
            ?? "USGS lists no mine production for \(k)"
        let sharesText = shares.odEvaluable
            ? "\(o)'s share of \(d)'s imports fell from \(AnomalyText.percent(shares.odPre!)) to \(AnomalyText.percent(shares.odPost ?? 0)) "
                + "while \(k)'s rose from \(AnomalyText.percent(shares.kdPre ?? 0)) to \(AnomalyText.percent(shares.kdPost ?? 0))"
            : "\(k)'s share of \(d)'s imports rose from \(AnomalyText.percent(shares.kdPre ?? 0)) to \(AnomalyText.percent(shares.kdPost ?? 0))"
        let summary = "Possible transshipment of \(input.catalog.label(key)) from \(o) via \(k) to \(d) in \(span(e.spanA.lowerBound...e.spanB.upperBound)): "
            + "\(k) took \(AnomalyText.tonnes(e.a)) from \(o) in \(span(e.spanA)) (\(AnomalyText.number(ratioA)) times its trailing "
            + "\(s.baselineMonths)-month average of \(AnomalyText.tonnes(e.meanA)) a month) and shipped \(AnomalyText.tonnes(e.b)) to \(d) "
            + "in \(span(e.spanB)) \(lagText) (\(AnomalyText.number(ratioB)) times \(AnomalyText.tonnes(e.meanB)) a month); \(prodText); "
            + "\(sharesText); about \(AnomalyText.tonnes(moved)) transshipped."
        func j(_ v: Double?) -> JSONValue { v.map(AnomalyText.json) ?? .null }
        let base = e.windows[0].first.start
        let evidence: JSONValue = [
            "origin": .string(o), "via": .string(k), "destination": .string(d), "compared_at": .string(key),
            "granularity": "rolling_months",
            "observed": ["origin_to_via_t": j(e.a), "via_to_destination_t": j(e.b), "lag_months": .number(Double(e.lag)),
                         "origin_to_via_months": .string(span(e.spanA)), "via_to_destination_months": .string(span(e.spanB))],
            "baseline": ["origin_to_via_mean_month_t": j(e.meanA), "via_to_destination_mean_month_t": j(e.meanB),
                         "months": .string(span((base - s.baselineMonths)...(base - 1)))],
            "ratio": ["origin_to_via": j(ratioA), "via_to_destination": j(ratioB), "leg_coverage": j(e.b > 0 ? e.a / e.b : nil)],
            "statistic": "transshipped_tonnes_min_of_legs", "transshipped_t": j(moved), "tonnes_at_stake": j(moved),
            "freund": [
                "origin_share_of_via_imports": ["pre": j(shares.okPre), "post": j(shares.okPost)],
                "via_share_of_destination_imports": ["pre": j(shares.kdPre), "post": j(shares.kdPost)],
                "origin_share_of_destination_imports": ["pre": j(shares.odPre), "post": j(shares.odPost), "evaluable": .bool(shares.odEvaluable)],
            ],
            "via_mine_production_t": production.map { ["value": j($0.value), "year": .number(Double($0.year)), "estimated": .bool($0.estimated)] } ?? .null,
            "leg_sources": ["origin_to_via": .array(legs[[o, k]]!.sources.sorted().map { .string($0) }),
                            "via_to_destination": .array(legs[[k, d]]!.sources.sorted().map { .string($0) })],
            "windows": .array(e.windows.map { w in
                ["start": .string(AnomalyText.period(monthIndex: w.first.start)), "lag_months": .number(Double(w.lag)),
                 "origin_to_via_t": j(w.first.a), "via_to_destination_t": j(w.b)]
            }),
            "periods_compared": ["observed": .string(span(e.spanA.lowerBound...e.spanB.upperBound)),
                                 "baseline": .string(span((base - s.baselineMonths)...(base - 1))),
                                 "window_months": .number(Double(s.windowMonths))],
            "thresholds": settings.thresholdsJSON(name),
        ]
        return Anomaly(detector: name, severity: AnomalyText.severity(moved, medium: s.severityMedium, high: s.severityHigh),
                       score: (moved * 1000).rounded() / 1000, reporter: o, partner: d, via: k, hsCode: key,
                       periodStart: AnomalyText.period(monthIndex: e.spanA.lowerBound),
                       periodEnd: AnomalyText.period(monthIndex: e.spanB.upperBound), summary: summary, evidence: evidence)
    }
}
