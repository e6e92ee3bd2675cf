import Foundation
import Plot
import TradeCore

extension ReportWriter {
    /// Cases open on arrival; the rest are folded to their one-line summary.
    static let openCases = 3

    /// One self-contained HTML page (inline CSS and SVG, no network): run summary, sources, the
    /// cases in rank order (each a `<details>` with what is at stake, its summary and its findings,
    /// each finding with its badge, summary, chart and evidence table), then findings of no case.
    public func html(_ input: ReportInput) -> String {
        let layout = self.layout(input)
        let shown = layout.findings
        let run = input.run
        let page = HTML(
            .lang(.english),
            .head(
                .meta(.attribute(named: "charset", value: "utf-8")),
                .viewport(.accordingToDevice),
                .element(named: "title", text: "TradeWatch report — run \(run.runID)"),
                .style(Self.css)
            ),
            .body(
                .div(
                    .class("wrap"),
                    runHeader(input, shownCount: shown.count, shownCases: layout.cases.count),
                    sourcesSection(input.sources),
                    .if(!layout.cases.isEmpty, casesSection(layout.cases)),
                    .if(layout.cases.isEmpty || !layout.loose.isEmpty,
                        findingsSection(layout.loose, title: layout.cases.isEmpty ? "Findings" : "Findings in no case")),
                    .footer(
                        .class("foot"),
                        .text("TradeWatch · run \(run.runID) · detectors \(run.detectorVersion) · this file is self-contained (no network needed)")
                    )
                )
            )
        )
        return page.render()
    }

    // MARK: Header

    private func runHeader(_ input: ReportInput, shownCount: Int, shownCases: Int) -> Node<HTML.BodyContext> {
        let run = input.run
        var when = "started \(ReportFormat.timestamp(run.startedAt))"
        if let finished = run.finishedAt {
            when += " · finished \(ReportFormat.timestamp(finished)) (\(ReportFormat.duration(finished.timeIntervalSince(run.startedAt))))"
        } else {
            when += " · not finished"
        }
        let stale = input.sources.filter(\.stale)
        let statusClass = ["succeeded", "success", "ok", "completed"].contains(run.status.lowercased()) ? "ok" : "bad"
        return .header(
            .class("top"),
            .h1("TradeWatch report"),
            .p(.class("sub"),
               .text("Run \(run.runID) · "),
               .span(.class("status \(statusClass)"), .text(run.status)),
               .text(" · \(when) · detectors \(run.detectorVersion)")),
            .if(Unjudged.sentence(run.unjudged) != nil, .p(.class("sub"), .text(Unjudged.sentence(run.unjudged) ?? ""))),
            .div(
                .class("stats"),
                stat("files loaded", ReportFormat.grouped(run.filesLoaded)),
                stat("files skipped (unchanged)", ReportFormat.grouped(run.filesSkipped)),
                stat("files failed", ReportFormat.grouped(run.filesFailed), alert: run.filesFailed > 0),
                stat("rows loaded", ReportFormat.grouped(run.rowsLoaded)),
                stat("rows rejected", ReportFormat.grouped(run.rowsRejected), alert: run.rowsRejected > 0),
                .if(!input.cases.isEmpty,
                    stat("cases", shownCases == input.cases.count
                         ? ReportFormat.grouped(shownCases)
                         : "\(ReportFormat.grouped(shownCases)) of \(ReportFormat.grouped(input.cases.count))")),
                stat("findings", shownCount == input.findings.count
                     ? ReportFormat.grouped(shownCount)
                     : "\(ReportFormat.grouped(shownCount)) of \(ReportFormat.grouped(input.findings.count))")
            ),
            .if(run.filesFailed > 0 || run.rowsRejected > 0,
                .p(.class("note"),
                   .text(run.filesFailed > 0
                         ? "\(run.filesFailed) file(s) failed to load and left the warehouse unchanged; see the run log. "
                         : ""),
                   .text(run.rowsRejected > 0
                         ? "\(ReportFormat.grouped(run.rowsRejected)) rejected row(s) are in the rejected_rows table with file, line and reason."
                         : ""))),
            .if(!stale.isEmpty,
                .div(.class("warn"),
                     .strong("Stale sources"),
                     .ul(.forEach(stale) { source in
                         .li(.text(staleText(source)))
                     }))),
            .if(!filter.isUnrestricted, .p(.class("note"), .text(filterText)))
        )
    }

    private func stat(_ label: String, _ value: String, alert: Bool = false) -> Node<HTML.BodyContext> {
        .div(.class(alert ? "stat alert" : "stat"),
             .span(.class("v"), .text(value)),
             .span(.class("k"), .text(label)))
    }

    func staleText(_ source: SourceSummary) -> String {
        var text = "\(source.name): newest period \(source.newestPeriod?.description ?? "none")"
        if let days = source.daysBehind { text += ", \(days) days behind" }
        if let last = source.lastLoad { text += "; last load \(ReportFormat.timestamp(last))" }
        return text
    }

    var filterText: String {
        var parts: [String] = []
        if let since = filter.since { parts.append("since \(since)") }
        if filter.minSeverity != .low { parts.append("severity ≥ \(filter.minSeverity.rawValue)") }
        if let detectors = filter.detectors { parts.append("detectors: \(detectors.sorted().joined(separator: ", "))") }
        return "Filter: " + parts.joined(separator: " · ")
    }

    // MARK: Sources

    private func sourcesSection(_ sources: [SourceSummary]) -> Node<HTML.BodyContext> {
        .section(
            .class("card"),
            .h2("Sources"),
            .if(sources.isEmpty, .p(.text("No sources have been loaded yet."))),
            .if(!sources.isEmpty, .div(.class("scroll"), .table(
                .class("grid"),
                .thead(.tr(.th("source"), .th(.class("num"), .text("files")), .th(.class("num"), .text("rows")),
                           .th(.class("num"), .text("rejected")), .th("newest period"), .th(.class("opt"), .text("last load")), .th("status"))),
                .tbody(.forEach(sources) { s in
                    .tr(
                        .td(.text(s.name)),
                        .td(.class("num"), .text(ReportFormat.grouped(s.files))),
                        .td(.class("num"), .text(ReportFormat.grouped(s.rows))),
                        .td(.class(s.rejected > 0 ? "num alert" : "num"), .text(ReportFormat.grouped(s.rejected))),
                        .td(.text(s.newestPeriod?.description ?? "—")),
                        .td(.class("opt"), .text(s.lastLoad.map(ReportFormat.timestamp) ?? "—")),
                        .td(.class(s.stale ? "stale" : "fresh"),
                            .text(s.stale ? "⚠ stale" + (s.daysBehind.map { ", \($0) days behind" } ?? "") : "current"))
                    )
                })
            )))
        )
    }

    // MARK: Cases

    private func casesSection(_ cases: [ReportLayout.Case]) -> Node<HTML.BodyContext> {
        .section(
            .class("cases"),
            .h2("Cases"),
            .div(.class("card scroll"), .table(
                .class("grid overview"),
                .thead(.tr(.th(.class("num"), .text("case")), .th("severity"), .th(.class("num"), .text("confidence")),
                           .th(.class("opt"), .text("category")), .th("parties"), .th(.class("opt"), .text("HS")), .th("period"),
                           .th(.class("num"), .text("at stake")), .th(.class("num"), .text("findings")))),
                .tbody(.forEach(cases) { shown in
                    let c = shown.reportCase.tradeCase
                    return .tr(
                        .td(.class("num"), .a(.href("#case-\(shown.reportCase.id)"), .text("\(c.rank)"))),
                        .td(badge(c.severity)),
                        .td(.class("num"), .text(ReportFormat.confidence(c.confidence))),
                        .td(.class("opt"), .text(c.category.rawValue)),
                        .td(.text(ReportFormat.parties(reporter: c.reporter, partner: c.partner, via: c.via))),
                        .td(.class("opt"), .text(c.hsCode ?? "—")),
                        .td(.text(ReportFormat.span(c.periodStart, c.periodEnd))),
                        .td(.class("num"), .text(ReportFormat.stake(tonnes: c.tonnesAtStake, usd: c.usdAtStake) ?? "—")),
                        .td(.class("num"), .text(shown.countText))
                    )
                })
            )),
            .forEach(cases.enumerated()) { i, shown in caseDetails(shown, open: i < Self.openCases) }
        )
    }

    /// A case folded into one line (rank, severity, confidence, category, parties, code, period, stake)
    /// that opens onto its summary and its findings.
    private func caseDetails(_ shown: ReportLayout.Case, open: Bool) -> Node<HTML.BodyContext> {
        let c = shown.reportCase.tradeCase
        var about = ReportFormat.parties(reporter: c.reporter, partner: c.partner, via: c.via)
        if let hs = c.hsCode { about += " · HS \(hs)" }
        about += " · " + ReportFormat.span(c.periodStart, c.periodEnd)
        let stake = ReportFormat.stake(tonnes: c.tonnesAtStake, usd: c.usdAtStake)
        // Built as plain elements: Plot's `details` context would not take the findings' body nodes.
        return .element(named: "details", nodes: [
            .class("case card sev-\(c.severity.rawValue)"),
            .id("case-\(shown.reportCase.id)"),
            open ? .attribute(named: "open") : .empty,
            .element(named: "summary", nodes: [
                .span(.class("rank"), .text("Case \(c.rank)")),
                badge(c.severity),
                .span(.class("conf"), .text("confidence \(ReportFormat.confidence(c.confidence))")),
                .span(.class("cat \(c.category.rawValue)"), .text(c.category.rawValue)),
                .strong(.class("about"), .text(about)),
                .unwrap(stake) { .span(.class("stake"), .text("at stake \($0)")) },
                .span(.class("count"), .text("\(shown.countText) finding\(shown.reportCase.findingIDs.count == 1 ? "" : "s")")),
            ]),
            .div(.class("case-body"),
                 .p(.class("summary"), .text(c.summary)),
                 .forEach(shown.findings.enumerated()) { i, f in findingArticle(f, label: "\(c.rank).\(i + 1)") }),
        ])
    }

    // MARK: Findings

    private func findingsSection(_ shown: [ReportFinding], title: String) -> Node<HTML.BodyContext> {
        .section(
            .class("findings"),
            .h2(.text(title)),
            .if(shown.isEmpty, .p(.class("card"), .text("No findings in this run\(filter.isUnrestricted ? "" : " match the filter")."))),
            .if(!shown.isEmpty, .div(.class("card scroll"), .table(
                .class("grid overview"),
                .thead(.tr(.th(.class("num"), .text("#")), .th("severity"), .th("detector"), .th("route"),
                           .th(.class("opt"), .text("HS")), .th("period"), .th(.class("num"), .text("score")))),
                .tbody(.forEach(shown.enumerated()) { rank, f in
                    .tr(
                        .td(.class("num"), .a(.href("#finding-\(f.id)"), .text("\(rank + 1)"))),
                        .td(badge(f.anomaly.severity)),
                        .td(.code(.text(f.anomaly.detector))),
                        .td(.text(ReportFormat.route(reporter: f.anomaly.reporter, via: f.anomaly.via, partner: f.anomaly.partner))),
                        .td(.class("opt"), .text(f.anomaly.hsCode ?? "—")),
                        .td(.text(ReportFormat.span(f.anomaly.periodStart, f.anomaly.periodEnd))),
                        .td(.class("num"), .attribute(named: "title", value: EvidenceTable.scoreMeaning(f.anomaly.detector)),
                            .text(EvidenceTable.score(f.anomaly)))
                    )
                })
            ))),
            .forEach(shown.enumerated()) { rank, f in findingArticle(f, label: "\(rank + 1)") }
        )
    }

    private func badge(_ severity: Anomaly.Severity) -> Node<HTML.BodyContext> {
        .span(.class("badge \(severity.rawValue)"), .text(severity.rawValue))
    }

    /// One finding; `label` numbers it (`3.2` is case 3's second finding).
    private func findingArticle(_ f: ReportFinding, label: String) -> Node<HTML.BodyContext> {
        let a = f.anomaly
        let chart = SVGChart(finding: f)
        var heading = ReportFormat.route(reporter: a.reporter, via: a.via, partner: a.partner)
        if let hs = a.hsCode { heading += " · HS \(hs)" }
        heading += " · " + ReportFormat.span(a.periodStart, a.periodEnd)
        let evidence = EvidenceTable.rows(a)
        return .article(
            .class("finding card sev-\(a.severity.rawValue)"),
            .id("finding-\(f.id)"),
            .div(.class("fhead"),
                 .span(.class("rank"), .text("\(label).")),
                 badge(a.severity),
                 .code(.class("det"), .text(a.detector)),
                 .span(.class("score"), .attribute(named: "title", value: EvidenceTable.scoreMeaning(a.detector)),
                       .text("score \(EvidenceTable.score(a))"))),
            .h3(.text(heading)),
            .p(.class("summary"), .text(a.summary)),
            chartFigure(f, chart: chart),
            .if(!evidence.isEmpty, .div(.class("scroll"), .table(
                .class("evidence"),
                .caption(.text("Evidence (every raw key is in the JSON report)")),
                .tbody(.forEach(evidence) { row in
                    .tr(.th(.attribute(named: "scope", value: "row"), .text(row.key)), .td(.text(row.value)))
                })
            ))),
            .p(.class("meta"), .text("finding #\(f.id)"))
        )
    }

    /// The chart, its legend (one entry per drawn line or band, the constant band, the flagged
    /// span, marked dates) and the note on what is compared.
    private func chartFigure(_ f: ReportFinding, chart: SVGChart) -> Node<HTML.BodyContext> {
        let a = f.anomaly
        return .div(.class("chart"),
             .raw(chart.render()),
             .ul(.class("legend"),
                 .forEach(Array(zip(chart.drawnSeries, chart.styles))) { series, style in
                     .li(series.role == .band
                         ? .span(.class("swatch peers"))
                         : .span(.class("swatch"),
                                 .attribute(named: "style", value: "border-top-color:\(style.color);border-top-style:\(style.dash == nil ? "solid" : "dashed")")),
                         .text(series.label + " (\(series.unit.rawValue))"))
                 },
                 .li(.span(.class("swatch flag")),
                     .text("flagged: \(ReportFormat.span(a.periodStart, a.periodEnd))")),
                 .forEach(f.markers) { marker in
                     .li(.span(.class("swatch marker")), .text(marker.label))
                 },
                 .if(chart.drawnSeries.count < f.charts.count,
                     .li(.class("muted"), .text("\(f.charts.count - chart.drawnSeries.count) series in another unit not drawn")))
             ),
             .unwrap(f.chartNote) { .p(.class("chart-note"), .text($0)) })
    }

    // MARK: Style

    /// Inline stylesheet: responsive (max-width container, fluid SVG), CJK-capable fonts, print rules.
    static let css = """
    :root{--fg:#1b1f24;--muted:#5c6670;--bg:#f4f5f7;--card:#fff;--line:#dde1e6;--high:#c92a2a;--medium:#d9480f;--low:#1971c2}
    *{box-sizing:border-box}
    html{-webkit-text-size-adjust:100%}
    body{margin:0;background:var(--bg);color:var(--fg);line-height:1.45;font-size:16px;
    font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif}
    code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Noto Sans Mono","Noto Sans Mono CJK SC",monospace;font-size:.92em}
    .wrap{max-width:1000px;margin:0 auto;padding:20px 16px 40px}
    h1{font-size:1.6rem;margin:0 0 4px}
    h2{font-size:1.25rem;margin:28px 0 10px}
    h3{font-size:1.05rem;margin:6px 0 6px;overflow-wrap:anywhere}
    .sub{color:var(--muted);margin:0 0 14px}
    .status{font-weight:600}.status.ok{color:#2b8a3e}.status.bad{color:var(--high)}
    .stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin:10px 0}
    .stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
    .stat .v{display:block;font-size:1.35rem;font-weight:700;font-variant-numeric:tabular-nums}
    .stat .k{display:block;color:var(--muted);font-size:.85rem}
    .stat.alert .v{color:var(--medium)}
    .note{color:var(--muted);font-size:.92rem}
    .warn{border:1px solid #f0b429;border-left:5px solid #f08c00;background:#fff8e6;border-radius:6px;padding:10px 14px;margin:12px 0}
    .warn ul{margin:6px 0 0;padding-left:20px}
    .card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:12px 0}
    .card>h2:first-child{margin-top:0}
    .scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background-color:#fff;
    background-image:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)),linear-gradient(to left,#fff 30%,rgba(255,255,255,0)),
    radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.18),rgba(0,0,0,0)),radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.18),rgba(0,0,0,0));
    background-position:left center,right center,left center,right center;background-repeat:no-repeat;
    background-size:40px 100%,40px 100%,14px 100%,14px 100%;background-attachment:local,local,scroll,scroll}
    table{border-collapse:collapse;width:100%;font-size:.92rem}
    th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
    thead th{font-weight:600;color:var(--muted);white-space:nowrap}
    .grid td{white-space:nowrap}
    .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    td.alert{color:var(--medium);font-weight:600}
    td.stale{color:#b35c00;font-weight:600}td.fresh{color:#2b8a3e}
    .overview a{color:inherit;font-weight:600}
    .badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:.75rem;font-weight:700;letter-spacing:.04em;text-transform:uppercase;color:#fff;border:1px solid transparent}
    .badge.high{background:var(--high)}.badge.medium{background:var(--medium)}.badge.low{background:var(--low)}
    .finding,.case{border-left-width:5px}
    .sev-high{border-left-color:var(--high)}.sev-medium{border-left-color:var(--medium)}.sev-low{border-left-color:var(--low)}
    .case{padding:0}
    .case>summary{cursor:pointer;display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;padding:12px 16px}
    .case>summary::before{content:"▸";color:var(--muted)}.case[open]>summary::before{content:"▾"}
    .case>summary::-webkit-details-marker{display:none}
    .case .about{overflow-wrap:anywhere}
    .conf,.count{color:var(--muted);font-size:.9rem;font-variant-numeric:tabular-nums}
    .cat{font-size:.8rem;border:1px solid var(--line);border-radius:4px;padding:0 6px}.cat.data_quality{border-color:#f0b429;background:#fff8e6}
    .stake{font-weight:600;font-variant-numeric:tabular-nums}
    .case-body{padding:0 16px 8px}
    .case-body .finding{margin:10px 0}
    .fhead{display:flex;flex-wrap:wrap;align-items:center;gap:8px}
    .rank{font-weight:700;color:var(--muted)}
    .det{background:#f1f3f5;border-radius:4px;padding:1px 6px}
    .score{margin-left:auto;color:var(--muted);font-size:.9rem;font-variant-numeric:tabular-nums}
    .summary{margin:4px 0 10px}
    .chart{margin:8px 0 12px}
    svg.chart{display:block;width:100%;height:auto;max-height:70vh;font-family:inherit;background:#fff}
    .legend{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 18px;font-size:.88rem;color:#343a40}
    .legend li{display:flex;align-items:center;gap:6px}
    .swatch{display:inline-block;width:22px;height:0;border-top:3px solid #000;flex:none}
    .swatch.flag{height:12px;border:1px dashed #f08c00;background:rgba(240,140,0,.22)}
    .swatch.peers{height:12px;border:1px dashed #5c6670;background:rgba(92,102,112,.2)}
    .swatch.marker{width:3px;height:14px;border:0;background:#c92a2a}
    .legend li{min-width:0;overflow-wrap:anywhere}
    .chart-note{color:var(--muted);font-size:.85rem;margin:6px 0 0}
    .muted{color:var(--muted)}
    .evidence caption{text-align:left;font-weight:600;padding:4px 0;color:var(--muted)}
    .evidence th{font-weight:500;font-size:.88rem;width:45%;overflow-wrap:anywhere}
    .evidence td{overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
    svg.chart .series.context circle{display:none}
    .meta{color:var(--muted);font-size:.8rem;margin:8px 0 0}
    .foot{color:var(--muted);font-size:.8rem;margin-top:28px;text-align:center}
    @media (max-width:600px){
    body{font-size:15px}.wrap{padding:12px 10px 30px}h1{font-size:1.35rem}
    .card{padding:10px 10px;border-radius:8px}
    th,td{padding:5px 6px}
    .stats{grid-template-columns:repeat(2,1fr)}
    .evidence th{width:45%}
    .score{margin-left:0}
    .opt{display:none}
    svg.chart text{font-size:26px}
    .case-body{padding:0 6px 6px}.case>summary{padding:10px}
    .legend{font-size:.85rem}
    svg.chart text.minor{display:none}
    svg.chart .series path{stroke-width:4}
    svg.chart .series.context path{stroke-width:2.5}
    }
    @media print{
    body{background:none;color:#000;font-size:11pt}
    .wrap{max-width:none;padding:0}
    .card,.stat,.warn{background:none;box-shadow:none;border-color:#999}
    .finding{page-break-inside:avoid;break-inside:avoid}
    .case>summary::before{content:none}
    .badge{color:#000;background:none;border-color:#000}
    .det{background:none}
    a{color:inherit;text-decoration:none}
    svg.chart{max-height:none;-webkit-print-color-adjust:exact;print-color-adjust:exact}
    .swatch{-webkit-print-color-adjust:exact;print-color-adjust:exact}
    .scroll{overflow:visible;background:none}
    }
    """
}
