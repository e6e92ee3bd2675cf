import Foundation
import TradeCore

/// `control_diversion`: after an export-control date, flows of controlled codes fall while an
/// uncontrolled catch-all code, or a third-country route, rises to take their place.
///
/// Method. For each regime of the export-control table (a regime suspended on or before its
/// effective date never took effect and is skipped; a later suspension ends the post window):
/// controlled codes are commodity lines whose elements all fall under the regime (`*` = all
/// rare-earth lines; a line mixing controlled and uncontrolled elements, such as magnets, is left out); catch-all lines (elements `*`, or described n.e.s. / other) are the channel, unless the
/// regime covers everything. For each exporter of the issuing country (every exporter when the
/// issuer cannot be resolved), compare the `window_months` before the effective month with the same
/// number after it (calendar years before / after for annual data), scaling the pre window by the
/// same windows one year earlier when they exist (seasonality). Catch-all channel: controlled
/// exports fall ≥ `min_controlled_drop`, a catch-all code rises ≥ `min_catch_all_rise` and ≥
/// `min_tonnes`. Route channel: for a controlled code, one partner grows ≥ `route_rise_ratio` ×
/// its pre level (floored) and ≥ `min_tonnes` while exports to all other partners fall ≥
/// `min_controlled_drop`. Buyer channel (a switch confined to one buyer, which totals over all
/// partners dilute): one buyer's controlled lines of a heading fall ≥ `min_controlled_drop` and ≥
/// `min_tonnes` while the same buyer's catch-all line of that heading rises ≥ `min_catch_all_rise`
/// and ≥ `min_tonnes`, by `buyer_min_offset_share`…`buyer_max_offset_share` × the fall (where the
/// catch-all's total already fired, the buyers' switches are listed in that finding instead). Score = offset share, the part of the fall
/// the channel took up (≥ `min_offset_share`, capped at 5); `tonnes_at_stake` = the smaller of the
/// fall and the rise, the tonnage diverted.
public struct ControlDiversionDetector: Detector {
    public let name = "control_diversion"
    public init() {}

    /// Pre and post windows: month indexes (monthly) or years (annual).
    struct Windows {
        var monthly: Bool
        var pre: [Int]
        var post: [Int]
        var seasonal: Bool
        var preText: String { text(pre) }
        var postText: String { text(post) }
        func text(_ xs: [Int]) -> String {
            guard let f = xs.first, let l = xs.last else { return "" }
            return monthly ? AnomalyText.span(AnomalyText.period(monthIndex: f), AnomalyText.period(monthIndex: l))
                           : AnomalyText.years(f, l)
        }
        var start: String { monthly ? AnomalyText.period(monthIndex: post.first!) : String(post.first!) }
        var end: String { monthly ? AnomalyText.period(monthIndex: post.last!) : String(post.last!) }
    }

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        var out: [Anomaly] = []
        for regime in input.exportControls.sorted(by: { ($0.effective, $0.regime) < ($1.effective, $1.regime) }) {
            guard let effective = regime.effectivePeriod else { continue }
            if let from = regime.suspendedFrom, !from.isEmpty, from <= regime.effective { continue } // never took effect
            let suspensionLimit = regime.suspendedFrom.flatMap { Period(String($0.prefix(7))) }.map { $0.monthIndex - 1 }
            let issuers = Self.resolve(issuer: regime.issuer, countries: input.countries)
            let exporters = issuers.map { Array($0).sorted() } ?? input.cube.declarers(.export)
            for exporter in exporters {
                let lines = Self.lines(of: exporter, under: regime, input: input)
                guard !lines.controlled.isEmpty,
                      let windows = windows(input.cube.coverage(exporter, .export, key: lines.controlled[0]), effective: effective,
                                            suspensionLimit: suspensionLimit, settings: settings.controlDiversion) else { continue }
                let context = Context(regime: regime, exporter: exporter, windows: windows, issuerResolved: issuers != nil,
                                      controlled: lines.controlled)
                out += detect(context, catchAlls: lines.catchAlls, input: input, settings: settings)
            }
        }
        return out
    }

    /// The exporter's most detailed declared codes under `regime`: the controlled lines (every element
    /// the line carries is controlled) and the catch-all lines that could take their place.
    static func lines(of exporter: String, under regime: ExportControl,
                      input: DetectionInput) -> (controlled: [String], catchAlls: [String]) {
        let star = regime.elements.contains("*")
        let elements = Set(regime.elements)
        // The most detailed codes only (a heading that other declared codes refine would double count).
        let declared = input.cube.codes(exporter, .export)
        let codes = declared.filter { c in !declared.contains { $0 != c && $0.hasPrefix(c) } }
        var controlled: [String] = [], catchAlls: [String] = []
        for code in codes {
            guard let line = input.catalog.line(for: code), !line.elements.isEmpty else { continue }
            let catchAll = input.catalog.isCatchAll(line)
            if star { controlled.append(code) }
            else if catchAll { catchAlls.append(code) }
            // Controlled: every element the line carries is controlled. A line that merely
            // contains a controlled element among uncontrolled ones (e.g. magnets of Nd, Pr and
            // some Dy) is neither controlled nor a channel: its weight would swamp the sum.
            else if Set(line.elements).isSubset(of: elements) { controlled.append(code) }
        }
        return (controlled, catchAlls)
    }

    /// A series' tonnes summed over the window's periods (`periods`: month indexes or years).
    static func tonnes(_ series: TradeCube.Series, _ periods: [Int], monthly: Bool) -> Double {
        if monthly {
            let m = TradeCube.monthly(series)
            return periods.reduce(0) { $0 + (m[$1]?.tonnes ?? 0) }
        }
        let a = TradeCube.annual(series)
        return periods.reduce(0) { $0 + (a[$1]?.tonnes ?? 0) }
    }

    /// A series' window sums: the pre window scaled for season (by the same windows a year earlier
    /// when both are at least the floor), the post window, the raw pre window and the factor.
    static func sums(_ series: TradeCube.Series, in windows: Windows, settings: DetectorSettings.ControlDiversion) -> WindowSums {
        let pre = tonnes(series, windows.pre, monthly: windows.monthly), post = tonnes(series, windows.post, monthly: windows.monthly)
        var factor = 1.0
        if windows.seasonal {
            let preLY = tonnes(series, windows.pre.map { $0 - 12 }, monthly: windows.monthly)
            let postLY = tonnes(series, windows.post.map { $0 - 12 }, monthly: windows.monthly)
            if preLY >= settings.floorTonnes, postLY >= settings.floorTonnes { factor = min(max(postLY / preLY, 0.2), 5) }
        }
        return (pre * factor, post, pre, factor)
    }

    /// The findings for one exporter under one regime: the catch-all channel, the buyer channel
    /// (where the catch-all's total did not fire) and the third-country routes, in that order.
    func detect(_ context: Context, catchAlls: [String], input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.controlDiversion, cube = input.cube, exporter = context.exporter
        let window = { (series: TradeCube.Series) in Self.sums(series, in: context.windows, settings: s) }
        var controlledSeries: TradeCube.Series = [:]
        for code in context.controlled {
            let total = cube.totalSeries(exporter, .export, key: code)
            for period in total.keys.sorted() { controlledSeries[period, default: Cell()].add(total[period]!) }
        }
        let controlledSums = window(controlledSeries)
        let switches = buyerSwitches(context, catchAlls: catchAlls, input: input, settings: settings, window: window)
        var out: [Anomaly] = []
        var fired = Set<String>()
        if controlledSums.pre >= s.minTonnes, controlledSums.post <= (1 - s.minControlledDrop) * controlledSums.pre {
            for code in catchAlls {
                guard let finding = catchAllFinding(context, code: code, controlled: controlledSums, switches: switches,
                                                    input: input, settings: settings, window: window) else { continue }
                out.append(finding)
                fired.insert(code)
            }
        }
        out += switches.filter { !fired.contains($0.code) }.map { anomaly(context, $0, input: input, settings: settings) }
        for code in context.controlled {
            out += routeFindings(context, code: code, input: input, settings: settings, window: window)
        }
        return out
    }

    /// Channel 1: the catch-all line `code` rose while the controlled lines (`controlled`, their
    /// window sums) fell; nil when it did not rise enough or took up too little of the fall.
    func catchAllFinding(_ context: Context, code: String, controlled cw: WindowSums, switches: [BuyerSwitch],
                         input: DetectionInput, settings: DetectorSettings,
                         window: (TradeCube.Series) -> WindowSums) -> Anomaly? {
        let s = settings.controlDiversion, cube = input.cube, exporter = context.exporter, w = context.windows
        let regime = context.regime, controlled = context.controlled
        let controlledDrop = cw.pre - cw.post
        let kw = window(cube.totalSeries(exporter, .export, key: code))
        let rise = kw.post - kw.pre
        guard rise >= s.minTonnes, kw.post >= (1 + s.minCatchAllRise) * max(kw.pre, s.floorTonnes) else { return nil }
        let offset = min(rise / controlledDrop, 5)
        guard offset >= s.minOffsetShare else { return nil }
        let listed = controlled.prefix(3).map { input.catalog.label($0) }.joined(separator: ", ")
            + (controlled.count > 3 ? " and \(controlled.count - 3) more" : "")
        // Where the catch-all's gain went: the partners that gained most, marking those without a pre level.
        let gains = cube.partners(exporter, .export, key: code).map { p -> (partner: String, pre: Double, post: Double) in
            let pw = window(cube.partnerSeries(exporter, .export, key: code, partner: p))
            return (p, pw.rawPre, pw.post)
        }.filter { $0.post - $0.pre >= s.minTonnes }
            .sorted { ($0.post - $0.pre, $1.partner) > ($1.post - $1.pre, $0.partner) }
        let top = gains.prefix(3).map { g in
            "\(g.partner) +\(AnomalyText.tonnes(g.post - g.pre))\(g.pre < s.floorTonnes ? " (new)" : "")"
        }
        let whereTo = top.isEmpty ? "" : "; the largest gains went to " + top.joined(separator: ", ")
        let summary = "After \(regime.regime) (effective \(regime.effective)), \(exporter) exports of controlled lines (\(listed)) "
            + "fell from \(AnomalyText.tonnes(cw.pre)) to \(AnomalyText.tonnes(cw.post)) (\(AnomalyText.change(cw.post / cw.pre - 1))) "
            + "in \(w.postText) vs \(w.preText)\(cw.factor != 1 ? " (season-adjusted)" : ""), while \(input.catalog.label(code)) rose from "
            + "\(AnomalyText.tonnes(kw.pre)) to \(AnomalyText.tonnes(kw.post)) (\(AnomalyText.change(kw.pre > 0 ? kw.post / kw.pre - 1 : 0))), "
            + "\(Self.takeUp(offset))\(whereTo)."
        var a = anomaly(context, channel: "catch_all", code: code, partner: nil, fell: cw, rose: kw, offset: offset,
                        summary: summary, settings: settings)
        if case .object(var e) = a.evidence {
            e["buyer_switches"] = .array(switches.filter { $0.code == code }.map(\.json))
            e["partner_gains"] = .array(gains.map { g in
                ["partner": .string(g.partner), "pre_t": AnomalyText.json(g.pre), "post_t": AnomalyText.json(g.post),
                 "new": .bool(g.pre < s.floorTonnes)]
            })
            a.evidence = .object(e)
        }
        return a
    }

    /// Channel 2: third-country routes of the controlled line `code` — one partner grew while the
    /// exporter's shipments to all others fell.
    func routeFindings(_ context: Context, code: String, input: DetectionInput, settings: DetectorSettings,
                       window: (TradeCube.Series) -> WindowSums) -> [Anomaly] {
        let s = settings.controlDiversion, cube = input.cube, exporter = context.exporter, w = context.windows
        let regime = context.regime
        var out: [Anomaly] = []
        let total = window(cube.totalSeries(exporter, .export, key: code))
        for partner in cube.partners(exporter, .export, key: code) {
            let pw = window(cube.partnerSeries(exporter, .export, key: code, partner: partner))
            let othersPre = total.pre - pw.pre, othersPost = total.post - pw.post
            guard pw.post >= s.minTonnes, pw.post - pw.pre >= s.minTonnes,
                  pw.post >= s.routeRiseRatio * max(pw.pre, s.floorTonnes),
                  othersPre >= s.minTonnes, othersPost <= (1 - s.minControlledDrop) * othersPre else { continue }
            let offset = min((pw.post - pw.pre) / (othersPre - othersPost), 5)
            guard offset >= s.minOffsetShare else { continue }
            let others = (pre: othersPre, post: othersPost, rawPre: othersPre, factor: total.factor)
            let summary = "After \(regime.regime) (effective \(regime.effective)), \(exporter) exports of \(input.catalog.label(code)) to \(partner) "
                + "rose from \(AnomalyText.tonnes(pw.pre)) to \(AnomalyText.tonnes(pw.post)) in \(w.postText) vs \(w.preText) while its "
                + "exports to all other partners fell from \(AnomalyText.tonnes(othersPre)) to \(AnomalyText.tonnes(othersPost)) "
                + "(\(AnomalyText.change(othersPost / othersPre - 1))); \(partner)'s gain is \(offset <= 1 ? "\(AnomalyText.percent(offset)) of" : "\(AnomalyText.number(offset)) times") the fall."
            out.append(anomaly(context, channel: "third_country_route", code: code, partner: partner, fell: others, rose: pw,
                               offset: offset, summary: summary, settings: settings))
        }
        return out
    }

    struct Context {
        var regime: ExportControl
        var exporter: String
        var windows: Windows
        var issuerResolved: Bool
        var controlled: [String]
    }

    func anomaly(_ context: Context, channel: String, code: String, partner: String?,
                 fell: (pre: Double, post: Double, rawPre: Double, factor: Double),
                 rose: (pre: Double, post: Double, rawPre: Double, factor: Double),
                 offset: Double, summary: String, settings: DetectorSettings) -> Anomaly {
        let c = context
        let s = settings.controlDiversion
        func side(_ x: (pre: Double, post: Double, rawPre: Double, factor: Double)) -> JSONValue {
            ["pre_t": AnomalyText.json(x.rawPre), "pre_season_adjusted_t": AnomalyText.json(x.pre), "post_t": AnomalyText.json(x.post),
             "seasonal_factor": AnomalyText.json(x.factor), "ratio": x.pre > 0 ? AnomalyText.json(x.post / x.pre) : .null]
        }
        let evidence: JSONValue = [
            "regime": .string(c.regime.regime), "issuer": .string(c.regime.issuer), "issuer_resolved": .bool(c.issuerResolved),
            "effective": .string(c.regime.effective), "suspended_from": c.regime.suspendedFrom.map { .string($0) } ?? .null,
            "regime_elements": .array(c.regime.elements.map { .string($0) }),
            "channel": .string(channel), "controlled_codes": .array(c.controlled.map { .string($0) }),
            "baseline": side(fell), "observed": side(rose),
            "fell": side(fell), "rose": side(rose),
            "ratio": rose.pre > 0 ? AnomalyText.json(rose.post / rose.pre) : .null,
            "statistic": "offset_share_of_fall", "offset_share": AnomalyText.json(offset),
            "tonnes_at_stake": AnomalyText.json(max(0, min(rose.post - rose.pre, fell.pre - fell.post))),
            "periods_compared": ["pre": .string(c.windows.preText), "post": .string(c.windows.postText),
                                 "granularity": c.windows.monthly ? "monthly" : "annual"],
            "thresholds": settings.thresholdsJSON(name),
        ]
        return Anomaly(detector: name, severity: AnomalyText.severity(offset, medium: s.severityMedium, high: s.severityHigh),
                       score: (offset * 10000).rounded() / 10000, reporter: c.exporter, partner: partner, hsCode: code,
                       periodStart: c.windows.start, periodEnd: c.windows.end, summary: summary, evidence: evidence)
    }

    /// Equal-length windows before and after the effective month (or calendar years for annual data).
    /// `coverage`: what the controlled lines' source published for the exporter.
    func windows(_ coverage: Coverage, effective: Period, suspensionLimit: Int?,
                 settings s: DetectorSettings.ControlDiversion) -> Windows? {
        let e = effective.monthIndex
        if let last = coverage.lastMonth {
            var postEnd = min(e + s.windowMonths - 1, last)
            if let limit = suspensionLimit { postEnd = min(postEnd, limit) }
            let len = postEnd - e + 1
            guard len >= s.minPostMonths else { return nil }
            let pre = Array((e - len)..<e), post = Array(e...postEnd)
            guard (pre + post).allSatisfy({ coverage.contains($0) }) else { return nil }
            let seasonal = (pre + post).allSatisfy { coverage.contains($0 - 12) }
            return Windows(monthly: true, pre: pre, post: post, seasonal: seasonal)
        }
        let preYear = effective.year - 1
        let postYear = effective.month == 1 || effective.month == nil ? effective.year : effective.year + 1
        if let limit = suspensionLimit, limit < postYear * 12 + 11 { return nil }
        guard coverage.yearComplete(preYear), coverage.yearComplete(postYear) else { return nil }
        return Windows(monthly: false, pre: [preYear], post: [postYear], seasonal: false)
    }

    /// "a gain equal to 45 % of the fall" / "a gain 1.8 times the fall" (the score, in words).
    static func takeUp(_ offset: Double) -> String {
        offset <= 1 ? "a gain equal to \(AnomalyText.percent(offset)) of the fall"
                    : "a gain \(AnomalyText.number(offset)) times the fall"
    }

    /// ISO3 codes the issuer name stands for, or nil when it cannot be resolved.
    static func resolve(issuer: String, countries: [Country]) -> Set<String>? {
        let key = issuer.trimmingCharacters(in: .whitespaces).lowercased()
        let hits = countries.filter { c in
            ([c.iso3, c.iso2, c.nameEN, c.nameZH] + c.aliases).contains { $0.lowercased() == key }
        }.map(\.iso3)
        return hits.isEmpty ? nil : Set(hits)
    }
}
