import Foundation
import TradeCore

/// A finding's time-series chart as self-contained SVG markup: lines over periods, bands shaded,
/// the flagged periods highlighted, marked dates as vertical lines. Scales with its container
/// (viewBox, width 100%). Every series carries its values and, when it is a sum of warehouse rows,
/// the rows' description as `data-*` attributes, so the plotted numbers can be checked with SQL.
struct SVGChart {
    var series: [ChartSeries]
    var markers: [ChartMarker]
    var flagStart: String
    var flagEnd: String
    var findingID: Int64
    /// Spoken description for screen readers.
    var title: String

    static let width = 720.0
    static let height = 320.0
    static let margin = (left: 84.0, right: 14.0, top: 64.0, bottom: 44.0)

    /// A line's colour and dash, also used by the legend.
    struct Style: Equatable {
        var color: String
        var dash: String?
        var strokeWidth: Double
    }

    /// The font size of chart text in the phone layout (`svg.chart text` in the stylesheet).
    static let phoneFontSize = 26.0
    static let flagColor = "#f08c00"
    static let markerColor = "#c92a2a"
    /// Peers' band and median: grey, apart from the flagged series' blue.
    static let peerColor = "#5c6670"

    init(finding: ReportFinding) {
        self.series = finding.charts
        self.markers = finding.markers
        self.flagStart = finding.anomaly.periodStart
        self.flagEnd = finding.anomaly.periodEnd
        self.findingID = finding.id
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
            case .band: return Style(color: Self.peerColor, dash: "6 4", strokeWidth: 1.5)
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

    /// Every finite value drawn (band ranges included), which the y axis must hold.
    var drawnValues: [Double] {
        drawnSeries.flatMap { s in s.points.flatMap { [$0.value, $0.low, $0.high].compactMap { $0 } } }.filter(\.isFinite)
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

    /// The chart's geometry: plot area, x slots and the y scale.
    struct Frame {
        var periods: [String]
        var scale: YScale
        let left = SVGChart.margin.left, top = SVGChart.margin.top
        let right = SVGChart.width - SVGChart.margin.right
        let plotW = SVGChart.width - SVGChart.margin.left - SVGChart.margin.right
        let plotH = SVGChart.height - SVGChart.margin.top - SVGChart.margin.bottom
        var bottom: Double { top + plotH }
        var slot: Double { plotW / Double(periods.count) }
        func x(_ i: Int) -> Double { left + (Double(i) + 0.5) * slot }
        func y(_ v: Double) -> Double { top + plotH * (1 - scale.fraction(v)) }
    }

    func render() -> String {
        let periods = axis
        let esc = ReportFormat.xmlEscaped
        let values = drawnValues
        let scale = YScale(values: values, unit: unit)
        let plotted = drawnSeries.reduce(0) { $0 + $1.points.filter { $0.value?.isFinite == true }.count }
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" "
            + "role=\"img\" aria-label=\"\(esc(title))\" preserveAspectRatio=\"xMidYMid meet\" data-finding=\"\(findingID)\" "
            + "data-unit=\"\(esc(unit.rawValue))\" data-scale=\"\(scale.isLog ? "log" : "linear")\" data-points=\"\(plotted)\">"
        svg += "<title>\(esc(title))</title>"
        guard !periods.isEmpty else { return svg + emptyMessage() + "</svg>" }
        let frame = Frame(periods: periods, scale: scale)
        svg += flaggedRuns(frame) + yAxis(frame) + xAxis(frame) + markerLines(frame)
        let indexOf = Dictionary(periods.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (s, style) in zip(drawnSeries, styles) {
            svg += seriesGroup(s, style: style, frame: frame, indexOf: indexOf)
        }
        return svg + "</svg>"
    }

    private func emptyMessage() -> String {
        let m = Self.margin
        return "<rect x=\"\(f(m.left))\" y=\"\(f(m.top))\" width=\"\(f(Self.width - m.left - m.right))\" height=\"\(f(Self.height - m.top - m.bottom))\" class=\"frame\" fill=\"none\" stroke=\"#ced4da\"/>"
            + "<text x=\"\(f(Self.width / 2))\" y=\"\(f(Self.height / 2))\" text-anchor=\"middle\" class=\"empty\" font-size=\"16\" fill=\"#495057\">No trade series in the warehouse for this finding</text>"
    }

    /// Flagged periods: contiguous runs of slots, shaded and outlined (the outline survives printing).
    private func flaggedRuns(_ frame: Frame) -> String {
        var runs: [(Int, Int)] = []
        for (i, p) in frame.periods.enumerated() where isFlagged(p) {
            if let last = runs.last, last.1 == i - 1 { runs[runs.count - 1].1 = i } else { runs.append((i, i)) }
        }
        var svg = ""
        for (a, b) in runs {
            let x0 = frame.left + Double(a) * frame.slot, w = Double(b - a + 1) * frame.slot
            svg += "<rect class=\"flag\" x=\"\(f(x0))\" y=\"\(f(frame.top))\" width=\"\(f(w))\" height=\"\(f(frame.plotH))\" fill=\"\(Self.flagColor)\" fill-opacity=\"0.16\" stroke=\"\(Self.flagColor)\" stroke-opacity=\"0.7\" stroke-dasharray=\"4 3\"/>"
        }
        if let (a, _) = runs.first {
            // Clear of the unit title at the top left.
            let x0 = max(frame.left + Double(a) * frame.slot + 3, 150)
            svg += "<text class=\"flag-label\" x=\"\(f(min(x0, Self.width - 115)))\" y=\"\(f(frame.top - 4))\" font-size=\"12\" fill=\"#b35c00\">flagged</text>"
        }
        return svg
    }

    /// Grid lines, tick labels and the unit title.
    private func yAxis(_ frame: Frame) -> String {
        var svg = ""
        for tick in frame.scale.ticks {
            let ty = frame.y(tick)
            svg += "<line x1=\"\(f(frame.left))\" x2=\"\(f(frame.right))\" y1=\"\(f(ty))\" y2=\"\(f(ty))\" stroke=\"#e9ecef\" stroke-width=\"1\"/>"
            svg += "<text class=\"yl\" x=\"\(f(frame.left - 6))\" y=\"\(f(ty + 4))\" text-anchor=\"end\" font-size=\"12\" fill=\"#495057\">\(ReportFormat.xmlEscaped(ReportFormat.compact(tick)))</text>"
        }
        let title = unit.axisTitle + (frame.scale.isLog ? " (log scale)" : "")
        return svg + "<text class=\"unit\" x=\"4\" y=\"\(f(frame.top - 36))\" font-size=\"12\" font-weight=\"600\" fill=\"#495057\">\(ReportFormat.xmlEscaped(title))</text>"
    }

    /// The x axis with period labels, thinned so labels never overlap; every other label is
    /// "minor", which the phone layout hides to make room for larger text.
    private func xAxis(_ frame: Frame) -> String {
        var svg = "<line x1=\"\(f(frame.left))\" x2=\"\(f(frame.right))\" y1=\"\(f(frame.bottom))\" y2=\"\(f(frame.bottom))\" stroke=\"#868e96\" stroke-width=\"1\"/>"
        // A label must fit between the plot's left edge (the y labels) and the right edge at the
        // phone layout's larger text (about 22 units for a 7-character period: 0.6 em a character).
        let half = 0.6 * Self.phoneFontSize * Double(frame.periods.map(\.count).max() ?? 0) / 2
        let fitting = Self.labelledIndices(frame.periods).filter { frame.x($0) - half >= frame.left - 2 && frame.x($0) + half <= Self.width }
        for (n, i) in fitting.enumerated() {
            let tx = frame.x(i)
            let labelClass = n % 2 == 1 ? "xl minor" : "xl"
            svg += "<line x1=\"\(f(tx))\" x2=\"\(f(tx))\" y1=\"\(f(frame.bottom))\" y2=\"\(f(frame.bottom + 5))\" stroke=\"#868e96\"/>"
            svg += "<text class=\"\(labelClass)\" x=\"\(f(tx))\" y=\"\(f(frame.bottom + 24))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#495057\">\(ReportFormat.xmlEscaped(frame.periods[i]))</text>"
        }
        return svg
    }

    /// Marked dates: a vertical line at the slot's left edge, labelled inside the plot.
    private func markerLines(_ frame: Frame) -> String {
        var svg = ""
        for marker in markers {
            guard let i = frame.periods.firstIndex(of: marker.period) else { continue }
            let mx = frame.left + Double(i) * frame.slot
            let anchor = mx > frame.left + frame.plotW * 0.6 ? "end" : "start"
            let tx = anchor == "end" ? mx - 4 : mx + 4
            svg += "<g class=\"marker\" data-period=\"\(ReportFormat.xmlEscaped(marker.period))\">"
            svg += "<line x1=\"\(f(mx))\" x2=\"\(f(mx))\" y1=\"\(f(frame.top))\" y2=\"\(f(frame.bottom))\" stroke=\"\(Self.markerColor)\" stroke-width=\"2\"/>"
            svg += "<text class=\"marker-label\" x=\"\(f(tx))\" y=\"\(f(frame.top + 28))\" text-anchor=\"\(anchor)\" font-size=\"12\" fill=\"\(Self.markerColor)\">\(ReportFormat.xmlEscaped(marker.period))</text></g>"
        }
        return svg
    }

    /// One series: its data attributes, a shaded range for a band, the line broken at gaps, dots.
    private func seriesGroup(_ s: ChartSeries, style: Style, frame: Frame, indexOf: [String: Int]) -> String {
        let esc = ReportFormat.xmlEscaped
        var svg = "<g class=\"series \(s.role.rawValue)\" data-role=\"\(s.role.rawValue)\" data-values=\"\(esc(Self.encode(s.points.map { ($0.period, $0.value) })))\""
        if s.role == .band {
            svg += " data-low=\"\(esc(Self.encode(s.points.map { ($0.period, $0.low) })))\" data-high=\"\(esc(Self.encode(s.points.map { ($0.period, $0.high) })))\""
        }
        svg += Self.queryAttributes(s.query) + "><title>\(esc(s.label))</title>"
        let located = s.points.compactMap { p -> (i: Int, point: ChartSeries.Point)? in indexOf[p.period].map { ($0, p) } }
            .sorted { $0.i < $1.i }
        if s.role == .band { svg += bandArea(located, frame: frame) }
        svg += line(located.compactMap { e in e.point.value.flatMap { $0.isFinite ? (e.i, $0) : nil } }, style: style, frame: frame)
        return svg + "</g>"
    }

    /// Closed shapes between `low` and `high` over each run of consecutive periods that have both.
    private func bandArea(_ located: [(i: Int, point: ChartSeries.Point)], frame: Frame) -> String {
        var runs: [[(Int, Double, Double)]] = []
        for e in located {
            guard let low = e.point.low, let high = e.point.high, low.isFinite, high.isFinite else { runs.append([]); continue }
            if let last = runs.last?.last, last.0 == e.i - 1 { runs[runs.count - 1].append((e.i, low, high)) } else { runs.append([(e.i, low, high)]) }
        }
        return runs.filter { !$0.isEmpty }.map { run in
            let upper = run.map { "\(f(frame.x($0.0))),\(f(frame.y($0.2)))" }
            let lower = run.reversed().map { "\(f(frame.x($0.0))),\(f(frame.y($0.1)))" }
            let width = run.count == 1 ? " stroke-width=\"6\" stroke=\"\(Self.peerColor)\" stroke-opacity=\"0.3\"" : ""
            return "<polygon class=\"band-area\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(Self.peerColor)\" fill-opacity=\"0.2\"\(width)/>"
        }.joined()
    }

    /// A polyline broken at gaps, with dots on points (all of them on short axes, isolated ones always).
    private func line(_ values: [(Int, Double)], style: Style, frame: Frame) -> String {
        var path = "", dots = ""
        var previous: Int?
        for (k, (i, v)) in values.enumerated() {
            let continues = previous.map { $0 == i - 1 } ?? false
            path += (continues ? "L" : "M") + "\(f(frame.x(i))) \(f(frame.y(v)))"
            let isolated = !continues && (k + 1 >= values.count || values[k + 1].0 != i + 1)
            if frame.periods.count <= 60 || isolated {
                dots += "<circle cx=\"\(f(frame.x(i)))\" cy=\"\(f(frame.y(v)))\" r=\"\(isolated ? 3.5 : 2.5)\" fill=\"\(style.color)\"/>"
            }
            previous = i
        }
        guard !path.isEmpty else { return "" }
        let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        return "<path d=\"\(path)\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"\(f(style.strokeWidth))\" stroke-linejoin=\"round\" stroke-linecap=\"round\"\(dash)/>" + dots
    }

    /// `2024-01=12.5;2024-02=;…`: every point at full precision, empty for a gap.
    static func encode(_ points: [(String, Double?)]) -> String {
        points.map { period, value in "\(period)=" + (value.flatMap { $0.isFinite ? "\($0)" : nil } ?? "") }.joined(separator: ";")
    }

    /// The rows a series sums, as `data-*` attributes (see `ChartQuery`).
    static func queryAttributes(_ query: ChartQuery?) -> String {
        guard let q = query else { return "" }
        let esc = ReportFormat.xmlEscaped
        var out = " data-declarer=\"\(esc(q.declarer))\" data-flow=\"\(esc(q.flow.rawValue))\" data-source=\"\(esc(q.source))\""
        out += " data-measure=\"\(q.measure.rawValue)\" data-frequency=\"\(q.annual ? "A" : "M")\""
        out += " data-codes=\"\(esc(q.codes.map { "\($0.prefix):\($0.length)" }.joined(separator: ",")))\""
        if let partner = q.partner { out += " data-partner=\"\(esc(partner))\"" }
        if let excluded = q.excludedPartner { out += " data-excluded-partner=\"\(esc(excluded))\"" }
        return out
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
