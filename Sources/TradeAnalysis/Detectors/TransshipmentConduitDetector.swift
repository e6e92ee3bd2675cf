import Foundation
import TradeCore

/// `transshipment_conduit`: origin O's shipments to a conduit K and K's shipments to a destination
/// D surge together, K mines little, and the shares move as in Freund (2025, "The China Wash").
///
/// Method. Each leg is the larger of what its exporter declared (exports + re-exports) and what
/// its importer declared, in tonnes, at a common code prefix. Two kinds of period are judged:
///
/// * *Calendar years.* For year Y: both legs carry ≥ `min_tonnes` and ≥ `surge_ratio` × their
///   baseline median (floored at `floor_tonnes`; baseline = previous `baseline_years` the leg's
///   declarers published); with monthly data the K → D window may lag O → K by 0…`max_lag_months`
///   (the lag that best matches the volumes is used).
/// * *Rolling windows of months*, where both legs are monthly: O → K over `window_months` reaches
///   `min_tonnes` and `surge_ratio` × its trailing baseline (its average covered month over the
///   `baseline_months` before the window × the window's length, floored; fewer than half of those
///   months covered: no verdict), and so does K → D over a window starting 0…`max_lag_months`
///   later. Overlapping windows are one episode, reported over the months each leg ran above
///   `surge_ratio` × its trailing average; an episode overlapping a calendar-year finding of the
///   same conduit and code is left to it.
///
/// Freund's criteria, as far as the data allow, in both: K's imports from O ≥ `min_leg_coverage` ×
/// D's imports from K; O's share of K's imports rises; K's share of D's imports rises (a share
/// already ≥ 95 % counts as risen); O's share of D's imports falls (not evaluable when O never
/// shipped to D directly). K's USGS mine production (latest year ≤ Y, t REO) must be below
/// `max_production_ratio` × the K → D leg (over a year: a window's rate × 12). Transshipped ≈
/// min(O → K, K → D) = the score and `tonnes_at_stake`.
public struct TransshipmentConduitDetector: Detector {
    public let name = "transshipment_conduit"
    public init() {}

    /// Origin → conduit → destination (O, K and D of the method).
    struct Route {
        var origin: String
        var via: String
        var destination: String
    }

    struct Leg {
        var annual: [Int: Double] = [:]
        var monthly: [Int: Double]? = nil
        var sources: Set<String> = []
        /// Years a declarer of the leg published the key in (an unpublished year is no zero).
        var coveredYears: Set<Int> = []
        /// The monthly figures over the months a declarer of the leg published, for window scans.
        var months: LegMonths? = nil
    }

    /// One direction of a route, exporter → importer.
    static func leg(_ cube: TradeCube, from exporter: String, to importer: String, key: String,
                    _ settings: DetectorSettings.TransshipmentConduit) -> Leg {
        let (o, k, s) = (exporter, importer, settings)
        var leg = Leg()
        var exported: TradeCube.Series = [:]
        for flow in [Flow.export, .reExport] {
            let s = cube.partnerSeries(o, flow, key: key, partner: k)
            for p in s.keys.sorted() { exported[p, default: Cell()].add(s[p]!) }
        }
        let imported = cube.partnerSeries(k, .import, key: key, partner: o)
        let coverages = [cube.coverage(o, .export, key: key), cube.coverage(o, .reExport, key: key), cube.coverage(k, .import, key: key)]
        for c in coverages { leg.coveredYears.formUnion(c.coveredYears) }
        for (side, series) in [("\(o) exports", exported), ("\(k) imports", imported)] where !series.isEmpty {
            leg.sources.insert(side)
            for (y, c) in TradeCube.annual(series) { leg.annual[y] = max(leg.annual[y] ?? 0, c.tonnes) }
            if TradeCube.hasMonthly(series) {
                var m = leg.monthly ?? [:]
                for (t, c) in TradeCube.monthly(series) { m[t] = max(m[t] ?? 0, c.tonnes) }
                leg.monthly = m
            }
        }
        if let m = leg.monthly, let lo = m.keys.min(), let hi = m.keys.max() {
            leg.months = LegMonths(lo: lo - margin(s), hi: hi + margin(s), monthly: m) { t in coverages.contains { $0.contains(t) } }
        }
        return leg
    }

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.transshipmentConduit
        let cube = input.cube
        var out: [Anomaly] = []
        for key in cube.allCodes {
            var pairs = Set<[String]>()
            for flow in [Flow.export, .reExport] {
                for d in cube.declarers(flow) where !cube.levelCodes(d, flow, key: key).isEmpty {
                    for p in cube.partners(d, flow, key: key) { pairs.insert([d, p]) }
                }
            }
            for d in cube.declarers(.import) where !cube.levelCodes(d, .import, key: key).isEmpty {
                for p in cube.partners(d, .import, key: key) { pairs.insert([p, d]) }
            }
            pairs = pairs.filter { $0[0] != "WLD" && $0[1] != "WLD" && $0[0] != $0[1] }
            guard pairs.count >= 2 else { continue }
            var legs: [[String]: Leg] = [:]
            for pair in pairs.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                legs[pair] = Self.leg(cube, from: pair[0], to: pair[1], key: key, s)
            }
            let inflowMonths = Self.monthlyInflow(legs, s)
            var inflow: [String: [Int: Double]] = [:] // country → year → tonnes imported (all origins)
            for pair in legs.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                for (y, t) in legs[pair]!.annual { inflow[pair[1], default: [:]][y, default: 0] += t }
            }
            let origins = Dictionary(grouping: pairs, by: { $0[1] }).mapValues { $0.map { $0[0] }.sorted() }
            let destinations = Dictionary(grouping: pairs, by: { $0[0] }).mapValues { $0.map { $0[1] }.sorted() }
            for k in origins.keys.sorted() {
                guard let ds = destinations[k] else { continue }
                for o in origins[k]! {
                    // Most origin → conduit legs never surge: then no destination needs judging.
                    let ok = legs[[o, k]]!
                    let firstLeg = Self.firstLegWindows(ok, s)
                    guard !firstLeg.isEmpty || ok.annual.keys.contains(where: { Self.firstLegCanSurge(ok, year: $0, settings: s) })
                    else { continue }
                    for d in ds where d != o {
                        let route = Route(origin: o, via: k, destination: d)
                        let annual = evaluate(route, key: key, legs: legs, inflow: inflow, input: input, settings: settings)
                        out += annual
                        out += evaluateWindows(route, key: key, legs: legs, inflow: inflowMonths, firstLeg: firstLeg,
                                               annualSpans: annual.map(Self.months), input: input, settings: settings)
                    }
                }
            }
        }
        return DetectorSuite.keepMostSpecific(out)
    }

    /// The months a finding spans (a year stands for its twelve months).
    static func months(_ a: Anomaly) -> ClosedRange<Int> {
        let start = Period(a.periodStart)!, end = Period(a.periodEnd)!
        return start.monthIndex...(end.month == nil ? end.year * 12 + 11 : end.monthIndex)
    }

    /// A necessary condition of `evaluate`'s surge test on the origin → conduit leg alone, whichever
    /// destination follows: its volume in `year` (annual, or the sum of its months when the second
    /// leg is monthly too) reaches `min_tonnes` and `surge_ratio` × its baseline median.
    static func firstLegCanSurge(_ ok: Leg, year y: Int, settings s: DetectorSettings.TransshipmentConduit) -> Bool {
        let baseA = ((y - s.baselineYears)..<y).filter { ok.coveredYears.contains($0) }
        guard !baseA.isEmpty else { return false }
        let medA = RobustStatistics.median(baseA.map { ok.annual[$0] ?? 0 }) ?? 0
        func surges(_ a: Double) -> Bool { a >= s.minTonnes && a >= s.surgeRatio * max(medA, s.floorTonnes) }
        if surges(ok.annual[y] ?? 0) { return true }
        guard let om = ok.monthly else { return false }
        return surges((0..<12).reduce(0) { $0 + (om[y * 12 + $1] ?? 0) })
    }

    /// A calendar-year finding's figures: the two legs' volumes and baselines, the lag between
    /// them, the months they span and Freund's shares before and after.
    struct AnnualJudgement {
        var year: Int
        var baselineWindow: [Int]
        var baselineYears: [Int]
        var firstLegTonnes: Double
        var secondLegTonnes: Double
        var lag: Int
        var start: String
        var end: String
        var firstLegMedian: Double
        var secondLegMedian: Double
        var originShareOfVia: (pre: Double?, post: Double)
        var viaShareOfDestination: (pre: Double?, post: Double)
        var originShareOfDestination: (pre: Double?, post: Double)
        var production: (value: Double, year: Int, estimated: Bool)?
        var originShareEvaluable: Bool { (originShareOfDestination.pre ?? 0) > 0 }
    }

    /// Year `year`'s volumes of the two legs, with the best 0…max lag when both are monthly, and the
    /// first and last months they ran in (the year itself for annual legs).
    static func annualVolumes(_ ok: Leg, _ kd: Leg, year y: Int,
                              settings s: DetectorSettings.TransshipmentConduit) -> (first: Double, second: Double, lag: Int, start: String, end: String) {
        var a = ok.annual[y] ?? 0, b = kd.annual[y] ?? 0, lag = 0
        var start = String(y), end = String(y)
        if let om = ok.monthly, let km = kd.monthly {
            a = (0..<12).reduce(0) { $0 + (om[y * 12 + $1] ?? 0) }
            var best = -1.0
            for l in 0...s.maxLagMonths {
                let bl = (0..<12).reduce(0) { $0 + (km[y * 12 + l + $1] ?? 0) }
                if min(a, bl) > best + 1e-9 { best = min(a, bl); b = bl; lag = l }
            }
            if let f = (0..<12).first(where: { (om[y * 12 + $0] ?? 0) > 0 }) { start = AnomalyText.period(monthIndex: y * 12 + f) }
            if let l = (0..<12).last(where: { (km[y * 12 + lag + $0] ?? 0) > 0 }) { end = AnomalyText.period(monthIndex: y * 12 + lag + l) }
        }
        return (a, b, lag, start, end)
    }

    /// The calendar years in which both legs of `route` surge and Freund's criteria hold.
    func evaluate(_ route: Route, key: String, legs: [[String]: Leg], inflow: [String: [Int: Double]],
                  input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.transshipmentConduit
        let (o, k, d) = (route.origin, route.via, route.destination)
        let ok = legs[[o, k]]!, kd = legs[[k, d]]!
        let od = legs[[o, d]] ?? Leg()
        var out: [Anomaly] = []
        for y in ok.annual.keys.sorted() where Self.firstLegCanSurge(ok, year: y, settings: s) {
            // Baseline years: those the declarers of each leg published (an unpublished year is no zero).
            let window = Array((y - s.baselineYears)..<y)
            let baseA = window.filter { ok.coveredYears.contains($0) }
            let baseB = window.filter { kd.coveredYears.contains($0) }
            guard !baseA.isEmpty, !baseB.isEmpty else { continue }
            // Volumes, with the best 0…max lag when both legs are monthly.
            let (a, b, lag, start, end) = Self.annualVolumes(ok, kd, year: y, settings: s)
            let medA = RobustStatistics.median(baseA.map { ok.annual[$0] ?? 0 }) ?? 0
            let medB = RobustStatistics.median(baseB.map { kd.annual[$0] ?? 0 }) ?? 0
            guard a >= s.minTonnes, b >= s.minTonnes,
                  a >= s.surgeRatio * max(medA, s.floorTonnes), b >= s.surgeRatio * max(medB, s.floorTonnes),
                  a >= s.minLegCoverage * b else { continue }

            func share(_ leg: Leg, into c: String, years: [Int]) -> Double? {
                let num = years.reduce(0) { $0 + (leg.annual[$1] ?? 0) }
                let den = years.reduce(0) { $0 + (inflow[c]?[$1] ?? 0) }
                return den > 0 ? num / den : nil
            }
            let okPre = share(ok, into: k, years: baseA), okPost = share(ok, into: k, years: [y]) ?? 0
            let kdPre = share(kd, into: d, years: baseB), kdPost = share(kd, into: d, years: [y]) ?? 0
            let odPre = share(od, into: d, years: baseB), odPost = share(od, into: d, years: [y]) ?? 0
            // "Rises" also holds when the share is already dominant (≥ 95 %) and cannot rise further.
            let originRisesInK = okPre.map { okPost > $0 || okPost >= 0.95 } ?? true
            let conduitRisesInD = kdPre.map { kdPost > $0 || kdPost >= 0.95 } ?? true
            let odEvaluable = (odPre ?? 0) > 0
            let originFallsInD = odEvaluable ? odPost < odPre! : true
            guard originRisesInK, conduitRisesInD, originFallsInD else { continue }

            let production = Self.production(of: k, year: y, stats: input.mineralStats)
            let producedTonnes = production?.value ?? 0
            guard producedTonnes < s.maxProductionRatio * b else { continue }
            let judgement = AnnualJudgement(
                year: y, baselineWindow: window, baselineYears: baseA, firstLegTonnes: a, secondLegTonnes: b, lag: lag,
                start: start, end: end, firstLegMedian: medA, secondLegMedian: medB,
                originShareOfVia: (okPre, okPost), viaShareOfDestination: (kdPre, kdPost),
                originShareOfDestination: (odPre, odPost), production: production)
            out.append(anomaly(judgement, route, key: key, firstLeg: ok, secondLeg: kd, input: input, settings: settings))
        }
        return out
    }

    /// The calendar-year finding of `route`, with its summary and evidence.
    func anomaly(_ judgement: AnnualJudgement, _ route: Route, key: String, firstLeg ok: Leg, secondLeg kd: Leg,
                 input: DetectionInput, settings: DetectorSettings) -> Anomaly {
        let s = settings.transshipmentConduit
        let (o, k, d) = (route.origin, route.via, route.destination)
        let (y, a, b, lag) = (judgement.year, judgement.firstLegTonnes, judgement.secondLegTonnes, judgement.lag)
        let (medA, medB, baseA, window) = (judgement.firstLegMedian, judgement.secondLegMedian, judgement.baselineYears,
                                           judgement.baselineWindow)
        let (okPre, okPost) = judgement.originShareOfVia, (kdPre, kdPost) = judgement.viaShareOfDestination
        let (odPre, odPost) = judgement.originShareOfDestination
        let odEvaluable = judgement.originShareEvaluable, production = judgement.production
        let moved = min(a, b)
        let lagText = lag == 0 ? "in the same months" : "with a \(lag)-month lag"
        let prodText = production.map { "\(k) mined \(AnomalyText.number($0.value, 0)) t REO in \($0.year) (USGS)" }
            ?? "USGS lists no mine production for \(k)"
        let sharesText = odEvaluable
            ? "\(o)'s share of \(d)'s imports fell from \(AnomalyText.percent(odPre!)) to \(AnomalyText.percent(odPost)) while \(k)'s rose from \(AnomalyText.percent(kdPre ?? 0)) to \(AnomalyText.percent(kdPost))"
            : "\(k)'s share of \(d)'s imports rose from \(AnomalyText.percent(kdPre ?? 0)) to \(AnomalyText.percent(kdPost))"
        let baseSpan = AnomalyText.years(window.first!, window.last!)
        let summary = "Possible transshipment of \(input.catalog.label(key)) from \(o) via \(k) to \(d) in \(y): "
            + "\(k) took \(AnomalyText.tonnes(a)) from \(o) and shipped \(AnomalyText.tonnes(b)) to \(d) \(lagText) "
            + "(\(baseSpan) medians \(AnomalyText.tonnes(medA)) and \(AnomalyText.tonnes(medB))); \(prodText); \(sharesText); "
            + "about \(AnomalyText.tonnes(moved)) transshipped."
        func j(_ v: Double?) -> JSONValue { v.map(AnomalyText.json) ?? .null }
        let evidence: JSONValue = [
            "origin": .string(o), "via": .string(k), "destination": .string(d), "compared_at": .string(key),
            "observed": ["origin_to_via_t": j(a), "via_to_destination_t": j(b), "lag_months": .number(Double(lag))],
            "baseline": ["origin_to_via_median_t": j(medA), "via_to_destination_median_t": j(medB),
                         "years": .array(baseA.map { .number(Double($0)) })],
            "ratio": ["origin_to_via": j(a / max(medA, s.floorTonnes)), "via_to_destination": j(b / max(medB, s.floorTonnes)),
                      "leg_coverage": j(b > 0 ? a / b : nil)],
            "statistic": "transshipped_tonnes_min_of_legs", "transshipped_t": j(moved), "tonnes_at_stake": j(moved),
            "granularity": "calendar_year",
            "freund": [
                "origin_share_of_via_imports": ["pre": j(okPre), "post": j(okPost)],
                "via_share_of_destination_imports": ["pre": j(kdPre), "post": j(kdPost)],
                "origin_share_of_destination_imports": ["pre": j(odPre), "post": j(odPost), "evaluable": .bool(odEvaluable)],
                "via_imports_from_origin_over_destination_imports_from_via": j(b > 0 ? a / b : nil),
            ],
            "via_mine_production_t": production.map { ["value": j($0.value), "year": .number(Double($0.year)), "estimated": .bool($0.estimated)] } ?? .null,
            "leg_sources": ["origin_to_via": .array(ok.sources.sorted().map { .string($0) }),
                            "via_to_destination": .array(kd.sources.sorted().map { .string($0) })],
            "periods_compared": ["observed": .string(String(y)), "baseline": .array(baseA.map { .string(String($0)) })],
            "thresholds": settings.thresholdsJSON(name),
        ]
        return Anomaly(detector: name, severity: AnomalyText.severity(moved, medium: s.severityMedium, high: s.severityHigh),
                       score: (moved * 1000).rounded() / 1000, reporter: o, partner: d, via: k, hsCode: key,
                       periodStart: judgement.start, periodEnd: judgement.end, summary: summary, evidence: evidence)
    }

    /// K's USGS mine production: the latest year ≤ `year`, else the earliest after it.
    static func production(of country: String, year: Int, stats: [MineralStat]) -> (value: Double, year: Int, estimated: Bool)? {
        let rows = stats.filter { $0.country == country && $0.measure == "mine_production" && $0.value != nil }
            .sorted { ($0.year, $0.rawLine) < ($1.year, $1.rawLine) }
        guard let pick = rows.last(where: { $0.year <= year }) ?? rows.first else { return nil }
        return (pick.value!, pick.year, pick.estimated)
    }
}
