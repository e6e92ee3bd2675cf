import Foundation
import TradeCore

extension ReportWriter {
    /// Plain-text-friendly Markdown for cron mail: run summary, sources, a table of cases, then per
    /// case what is at stake and its summary with its findings under it (each with its summary, a
    /// sparkline per series, recent values and the key evidence), then findings of no case.
    public func markdown(_ input: ReportInput) -> String {
        let layout = self.layout(input)
        let shown = layout.findings
        let run = input.run
        var md = "# TradeWatch report — run \(run.runID) (\(Self.cell(run.status)))\n\n"
        if !filter.isUnrestricted { md += "**\(Self.inline(filterText))** (a filtered view of run \(run.runID))\n\n" }
        var when = "Started \(ReportFormat.timestamp(run.startedAt))"
        if let finished = run.finishedAt {
            when += ", finished \(ReportFormat.timestamp(finished)) (\(ReportFormat.duration(finished.timeIntervalSince(run.startedAt))))"
        }
        md += "\(when); detectors \(Self.cell(run.detectorVersion)).\n\n"
        md += "- Files: \(ReportFormat.grouped(run.filesLoaded)) loaded, \(ReportFormat.grouped(run.filesSkipped)) skipped (unchanged), \(ReportFormat.grouped(run.filesFailed)) failed\n"
        md += "- Rows: \(ReportFormat.grouped(run.rowsLoaded)) loaded, \(ReportFormat.grouped(run.rowsRejected)) rejected\n"
        if !input.cases.isEmpty {
            md += "- Cases: \(ReportFormat.grouped(layout.cases.count))"
            md += layout.cases.count == input.cases.count ? "\n" : " of \(ReportFormat.grouped(input.cases.count))\n"
        }
        md += "- Findings: \(ReportFormat.grouped(shown.count))"
        md += shown.count == input.findings.count ? "\n" : " of \(ReportFormat.grouped(input.findings.count)) (\(filterText))\n"
        if let unjudged = Unjudged.sentence(run.unjudged) { md += "- Unjudged: \(Self.inline(unjudged))\n" }

        let stale = input.sources.filter(\.stale)
        if !stale.isEmpty {
            md += "\n> **Stale sources**\n"
            for s in stale { md += "> - ⚠ \(Self.inline(staleText(s)))\n" }
        }

        md += "\n## Sources\n\n"
        if input.sources.isEmpty {
            md += "No sources have been loaded yet.\n"
        } else {
            md += "| source | files | rows | rejected | newest period | last load | status |\n|---|--:|--:|--:|---|---|---|\n"
            for s in input.sources {
                let status = s.stale ? "⚠ stale" + (s.daysBehind.map { ", \($0) days behind" } ?? "") : "current"
                md += "| \(Self.cell(s.name)) | \(ReportFormat.grouped(s.files)) | \(ReportFormat.grouped(s.rows)) | \(ReportFormat.grouped(s.rejected)) | \(s.newestPeriod?.description ?? "—") | \(s.lastLoad.map(ReportFormat.timestamp) ?? "—") | \(status) |\n"
            }
        }

        if !layout.cases.isEmpty { md += casesSection(layout.cases) }
        if layout.cases.isEmpty || !layout.loose.isEmpty {
            md += "\n## \(layout.cases.isEmpty ? "Findings" : "Findings in no case")\n\n"
            md += looseSection(layout.loose)
        }
        return md
    }

    private func casesSection(_ cases: [ReportLayout.Case]) -> String {
        var md = "\n## Cases\n\n"
        md += "| case | severity | confidence | category | parties | HS | period | at stake | findings |\n"
        md += "|--:|---|--:|---|---|---|---|---|--:|\n"
        for shown in cases {
            let c = shown.reportCase.tradeCase
            md += "| \(c.rank) | \(c.severity.rawValue.uppercased()) | \(ReportFormat.confidence(c.confidence)) | \(c.category.rawValue) | "
            md += "\(Self.cell(ReportFormat.parties(reporter: c.reporter, partner: c.partner, via: c.via))) | \(Self.cell(c.hsCode ?? "—")) | "
            md += "\(ReportFormat.span(c.periodStart, c.periodEnd)) | \(ReportFormat.stake(tonnes: c.tonnesAtStake, usd: c.usdAtStake) ?? "—") | "
            md += "\(shown.countText) |\n"
        }
        for shown in cases {
            let c = shown.reportCase.tradeCase
            var title = "Case \(c.rank) · \(c.severity.rawValue.uppercased()) · confidence \(ReportFormat.confidence(c.confidence)) · \(c.category.rawValue)"
            title += " · \(ReportFormat.parties(reporter: c.reporter, partner: c.partner, via: c.via))"
            if let hs = c.hsCode { title += " · HS \(hs)" }
            title += " · \(ReportFormat.span(c.periodStart, c.periodEnd))"
            md += "\n### \(Self.inline(title))\n\n"
            if let stake = ReportFormat.stake(tonnes: c.tonnesAtStake, usd: c.usdAtStake) { md += "At stake: \(stake).\n\n" }
            md += "\(Self.inline(c.summary))\n"
            for (i, f) in shown.findings.enumerated() {
                md += "\n" + findingSection(f, label: "\(c.rank).\(i + 1)", heading: "####")
            }
        }
        return md
    }

    private func looseSection(_ shown: [ReportFinding]) -> String {
        guard !shown.isEmpty else {
            return "No findings in this run\(filter.isUnrestricted ? "" : " match the filter").\n"
        }
        var md = "| # | severity | detector | route | HS | period | score |\n|--:|---|---|---|---|---|--:|\n"
        for (i, f) in shown.enumerated() {
            let a = f.anomaly
            md += "| \(i + 1) | \(a.severity.rawValue.uppercased()) | \(Self.cell(a.detector)) | \(Self.cell(ReportFormat.route(reporter: a.reporter, via: a.via, partner: a.partner))) | \(Self.cell(a.hsCode ?? "—")) | \(ReportFormat.span(a.periodStart, a.periodEnd)) | \(EvidenceTable.score(a)) |\n"
        }
        for (i, f) in shown.enumerated() {
            md += "\n" + findingSection(f, label: "\(i + 1)", heading: "###")
        }
        return md
    }

    /// One finding: `label` numbers it (`3.2` is case 3's second finding), `heading` is its Markdown level.
    private func findingSection(_ f: ReportFinding, label: String, heading: String) -> String {
        let a = f.anomaly
        var title = "\(label). \(a.severity.rawValue.uppercased()) · \(a.detector) · \(ReportFormat.route(reporter: a.reporter, via: a.via, partner: a.partner))"
        if let hs = a.hsCode { title += " · HS \(hs)" }
        title += " · \(ReportFormat.span(a.periodStart, a.periodEnd)) · score \(EvidenceTable.score(a))"
        var md = "\(heading) \(Self.inline(title))\n\n\(Self.inline(a.summary))\n\n"

        let charted = f.charts.filter { !$0.points.isEmpty }
        if !charted.isEmpty {
            for s in charted {
                let values = s.points.compactMap(\.value)
                let peak = values.max().map { ", max \(ReportFormat.amount($0, unit: s.unit.rawValue))" } ?? ""
                md += "- \(Self.inline(s.label)): `\(Self.sparkline(s.points.map(\.value)))` "
                md += "(\(s.points.first!.period) … \(s.points.last!.period)\(peak))\n"
            }
            if let note = f.chartNote { md += "- \(Self.inline(note))\n" }
            for marker in f.markers { md += "- Marked: \(marker.period), \(Self.inline(marker.label))\n" }
            md += "\n" + recentTable(charted, finding: f)
        }

        let evidence = EvidenceTable.rows(a)
        if !evidence.isEmpty {
            md += "\nEvidence (every raw key is in the JSON report):\n\n"
            let limit = 16
            for row in evidence.prefix(limit) { md += "- \(Self.inline(row.key)): \(Self.inline(row.value))\n" }
            if evidence.count > limit { md += "- … \(evidence.count - limit) more in the HTML and JSON reports\n" }
        }
        return md
    }

    /// The periods around the flag (a few before, all flagged, capped at 12 rows) as a small table.
    private func recentTable(_ series: [ChartSeries], finding f: ReportFinding) -> String {
        let periods = series[0].points.map(\.period)
        guard let firstFlag = periods.firstIndex(where: { $0 >= f.anomaly.periodStart }) else { return "" }
        let lastFlag = periods.lastIndex(where: { $0 <= f.anomaly.periodEnd }) ?? firstFlag
        let from = max(0, firstFlag - 3)
        let to = min(periods.count - 1, max(lastFlag, firstFlag), from + 11)
        guard from <= to else { return "" }
        var md = "| period | " + series.map { Self.cell($0.label) + " (\($0.unit.rawValue))" }.joined(separator: " | ") + " |\n"
        md += "|---|" + String(repeating: "--:|", count: series.count) + "\n"
        let lookup = series.map { Dictionary($0.points.map { ($0.period, $0.value) }, uniquingKeysWith: { a, _ in a }) }
        for p in periods[from...to] {
            let flagged = p >= f.anomaly.periodStart && p <= f.anomaly.periodEnd
            md += "| \(flagged ? "**\(p)** ⚑" : p) | "
            md += lookup.map { d in (d[p] ?? nil).map(ReportFormat.number) ?? "—" }.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// `▁▂▃▅█` scaled from 0 to the series maximum; `·` where nothing was declared.
    static func sparkline(_ values: [Double?]) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        let top = values.compactMap { $0 }.filter(\.isFinite).max() ?? 0
        return String(values.map { v -> Character in
            guard let v, v.isFinite else { return "·" }
            guard top > 0 else { return bars[0] }
            let level = Int((max(0, v) / top * Double(bars.count - 1)).rounded())
            return bars[min(bars.count - 1, level)]
        })
    }

    /// Text safe inside a Markdown table cell: pipes escaped, line breaks flattened.
    static func cell(_ text: String) -> String {
        inline(text).replacingOccurrences(of: "|", with: "\\|")
    }

    /// Text on one line, with characters that would start HTML in a mail client escaped.
    static func inline(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "<", with: "&lt;")
    }
}
