import Foundation
import TradeCore

/// A finding's time-series chart as self-contained SVG markup: lines over periods, the baseline
/// band shaded, the flagged periods highlighted. Scales with its container (viewBox, width 100%).
struct SVGChart {
    var series: [ChartSeries]
    var band: BaselineBand?
    var flagStart: String
    var flagEnd: String
    /// Spoken description for screen readers.
    var title: String

    static let width = 720.0
    static let height = 320.0
    static let margin = (left: 62.0, right: 14.0, top: 40.0, bottom: 42.0)

    /// A line's colour and dash, also used by the legend.
    struct Style: Equatable {
        var color: String
        var dash: String?
        var strokeWidth: Double
    }

    static let flagColor = "#f08c00"
    static let bandColor = "#748ffc"

    init(finding: ReportFinding) {
        self.series = finding.charts
        self.band = finding.baselineBand
        self.flagStart = finding.anomaly.periodStart
        self.flagEnd = finding.anomaly.periodEnd
        self.title = "\(finding.anomaly.detector): \(ReportFormat.route(reporter: finding.anomaly.reporter, via: finding.anomaly.via, partner: finding.anomaly.partner))"
    }

    /// The unit the axis shows: the first series' unit; series in another unit are not drawn.
    var unit: ChartSeries.Unit { series.first?.unit ?? .tonnes }

    var drawnSeries: [ChartSeries] { series.filter { $0.unit == unit } }

    /// Styles in drawing order, one per drawn series.
    var styles: [Style] {
        var used: [ChartSeries.Role: Int] = [:]
        return drawnSeries.map { s in
            let n = used[s.role, default: 0]
            used[s.role] = n + 1
            switch s.role {
            case .observed: return Style(color: ["#1c5fd1", "#7048e8", "#0b7285"][n % 3], dash: nil, strokeWidth: 2.5)
            case .secondLeg: return Style(color: ["#d9480f", "#c2255c", "#a61e4d"][n % 3], dash: nil, strokeWidth: 2.5)
            case .baseline: return Style(color: "#2b8a3e", dash: "6 4", strokeWidth: 2)
            case .context: return Style(color: "#868e96", dash: "3 3", strokeWidth: 1.5)
            }
        }
    }

    /// The periods on the x axis, in time order (union of all drawn series).
    var axis: [String] {
        var seen = Set<String>()
        var periods: [String] = []
        for s in drawnSeries { for p in s.points where seen.insert(p.period).inserted { periods.append(p.period) } }
        return periods.sorted { a, b in
            switch (Period(a), Period(b)) {
            case let (pa?, pb?): return pa < pb
            default: return a < b
            }
        }
    }

    /// Whether a period on the axis lies inside the flagged span (annual and monthly forms mixed).
    func isFlagged(_ period: String) -> Bool {
        guard let p = Period(period), let s = Period(flagStart), let e = Period(flagEnd) ?? Period(flagStart) else {
            return period >= flagStart && period <= flagEnd
        }
        let lo = s.year * 12 + (s.month ?? 1) - 1, hi = e.year * 12 + (e.month ?? 12) - 1
        let plo = p.year * 12 + (p.month ?? 1) - 1, phi = p.year * 12 + (p.month ?? 12) - 1
        return phi >= lo && plo <= hi
    }

    func render() -> String {
        let W = Self.width, H = Self.height, m = Self.margin
        let plotW = W - m.left - m.right, plotH = H - m.top - m.bottom
        let periods = axis
        let esc = ReportFormat.xmlEscaped
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(W)) \(Int(H))\" role=\"img\" aria-label=\"\(esc(title))\" preserveAspectRatio=\"xMidYMid meet\">"
        svg += "<title>\(esc(title))</title>"
        guard !periods.isEmpty else {
            svg += "<rect x=\"\(f(m.left))\" y=\"\(f(m.top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" class=\"frame\" fill=\"none\" stroke=\"#ced4da\"/>"
            svg += "<text x=\"\(f(W / 2))\" y=\"\(f(H / 2))\" text-anchor=\"middle\" class=\"empty\" font-size=\"16\" fill=\"#495057\">No trade series in the warehouse for this finding</text></svg>"
            return svg
        }
        let slot = plotW / Double(periods.count)
        let indexOf = Dictionary(periods.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func x(_ i: Int) -> Double { m.left + (Double(i) + 0.5) * slot }

        let values = drawnSeries.flatMap { $0.points.compactMap(\.value) }.filter(\.isFinite)
        let top = max(values.max() ?? 0, band?.high ?? 0, 0)
        let (yMax, step) = Self.niceScale(top)
        func y(_ v: Double) -> Double { m.top + plotH * (1 - min(max(v, 0), yMax) / yMax) }

        // Flagged periods: contiguous runs of slots, shaded and outlined (the outline survives printing).
        var runs: [(Int, Int)] = []
        for (i, p) in periods.enumerated() where isFlagged(p) {
            if let last = runs.last, last.1 == i - 1 { runs[runs.count - 1].1 = i } else { runs.append((i, i)) }
        }
        for (a, b) in runs {
            let x0 = m.left + Double(a) * slot, w = Double(b - a + 1) * slot
            svg += "<rect class=\"flag\" x=\"\(f(x0))\" y=\"\(f(m.top))\" width=\"\(f(w))\" height=\"\(f(plotH))\" fill=\"\(Self.flagColor)\" fill-opacity=\"0.16\" stroke=\"\(Self.flagColor)\" stroke-opacity=\"0.7\" stroke-dasharray=\"4 3\"/>"
        }
        if let (a, _) = runs.first {
            svg += "<text class=\"flag-label\" x=\"\(f(m.left + Double(a) * slot + 3))\" y=\"\(f(m.top - 6))\" font-size=\"12\" fill=\"#b35c00\">flagged</text>"
        }

        // Grid and y axis.
        var tick = 0.0
        while tick <= yMax + step / 2 {
            let ty = y(tick)
            svg += "<line x1=\"\(f(m.left))\" x2=\"\(f(W - m.right))\" y1=\"\(f(ty))\" y2=\"\(f(ty))\" stroke=\"#e9ecef\" stroke-width=\"1\"/>"
            svg += "<text class=\"yl\" x=\"\(f(m.left - 6))\" y=\"\(f(ty + 4))\" text-anchor=\"end\" font-size=\"12\" fill=\"#495057\">\(esc(ReportFormat.compact(tick)))</text>"
            tick += step
        }
        svg += "<text class=\"unit\" x=\"4\" y=\"\(f(m.top - 16))\" font-size=\"12\" font-weight=\"600\" fill=\"#495057\">\(unit == .tonnes ? "tonnes" : "USD")</text>"

        // Baseline band (or line when it has no width) across the plot.
        if let band {
            if band.high > band.low {
                svg += "<rect class=\"band\" x=\"\(f(m.left))\" y=\"\(f(y(band.high)))\" width=\"\(f(plotW))\" height=\"\(f(max(1, y(band.low) - y(band.high))))\" fill=\"\(Self.bandColor)\" fill-opacity=\"0.16\" stroke=\"\(Self.bandColor)\" stroke-opacity=\"0.5\" stroke-width=\"0.75\"/>"
            }
            if let c = band.center ?? (band.high == band.low ? band.high : nil) {
                svg += "<line class=\"band-center\" x1=\"\(f(m.left))\" x2=\"\(f(W - m.right))\" y1=\"\(f(y(c)))\" y2=\"\(f(y(c)))\" stroke=\"\(Self.bandColor)\" stroke-width=\"1.25\" stroke-dasharray=\"6 4\"/>"
            }
        }

        // X axis with period labels, thinned so labels never overlap.
        svg += "<line x1=\"\(f(m.left))\" x2=\"\(f(W - m.right))\" y1=\"\(f(m.top + plotH))\" y2=\"\(f(m.top + plotH))\" stroke=\"#868e96\" stroke-width=\"1\"/>"
        for (n, i) in Self.labelledIndices(periods).enumerated() {
            let tx = x(i)
            // Every other label is "minor": the phone layout hides it to make room for larger text.
            let labelClass = n % 2 == 1 ? "xl minor" : "xl"
            svg += "<line x1=\"\(f(tx))\" x2=\"\(f(tx))\" y1=\"\(f(m.top + plotH))\" y2=\"\(f(m.top + plotH + 5))\" stroke=\"#868e96\"/>"
            svg += "<text class=\"\(labelClass)\" x=\"\(f(tx))\" y=\"\(f(m.top + plotH + 20))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#495057\">\(esc(periods[i]))</text>"
        }

        // Series: polylines broken at gaps, dots on points.
        for (s, style) in zip(drawnSeries, styles) {
            var path = ""
            var dots = ""
            var previous: Int?
            let sorted = s.points.compactMap { p -> (Int, Double)? in
                guard let v = p.value, v.isFinite, let i = indexOf[p.period] else { return nil }
                return (i, v)
            }.sorted { $0.0 < $1.0 }
            for (k, (i, v)) in sorted.enumerated() {
                let continues = previous.map { $0 == i - 1 } ?? false
                path += (continues ? "L" : "M") + "\(f(x(i))) \(f(y(v)))"
                let isolated = !continues && (k + 1 >= sorted.count || sorted[k + 1].0 != i + 1)
                if periods.count <= 60 || isolated {
                    dots += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(v)))\" r=\"\(isolated ? 3.5 : 2.5)\" fill=\"\(style.color)\"/>"
                }
                previous = i
            }
            let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            svg += "<g class=\"series \(s.role.rawValue)\"><title>\(esc(s.label))</title>"
            if !path.isEmpty {
                svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"\(f(style.strokeWidth))\" stroke-linejoin=\"round\" stroke-linecap=\"round\"\(dash)/>"
            }
            svg += dots + "</g>"
        }
        svg += "</svg>"
        return svg
    }

    /// Which axis slots get a label: about eight at most, on Januaries/quarters for monthly axes.
    static func labelledIndices(_ periods: [String]) -> [Int] {
        let maxLabels = 8
        guard periods.count > maxLabels else { return Array(periods.indices) }
        let monthly = periods.allSatisfy { Period($0)?.month != nil }
        if monthly {
            for every in [3, 6, 12, 24, 36, 60] {
                let picks = periods.indices.filter { (Period(periods[$0])!.month! - 1) % every == 0 && (every < 12 || (Period(periods[$0])!.year % (every / 12) == 0)) }
                if picks.count <= maxLabels, !picks.isEmpty { return picks }
            }
        }
        let every = Int((Double(periods.count) / Double(maxLabels)).rounded(.up))
        return periods.indices.filter { $0 % every == 0 }
    }

    /// A rounded axis maximum and tick step (1, 2, 2.5 or 5 × 10ⁿ) with about four ticks.
    static func niceScale(_ maximum: Double) -> (max: Double, step: Double) {
        guard maximum > 0, maximum.isFinite else { return (1, 0.25) }
        let raw = maximum / 4
        let power = pow(10, floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        return ((maximum / step).rounded(.up) * step, step)
    }

    private func f(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
