import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("Report writer")
struct ReportWriterTests {
    typealias F = ReportFixtures

    func count(_ needle: String, in haystack: String) -> Int {
        haystack.components(separatedBy: needle).count - 1
    }

    // MARK: HTML

    @Test func htmlHasOneChartPerShownFinding() {
        let html = ReportWriter().html(F.input)
        #expect(count("<svg", in: html) == F.input.findings.count)
        #expect(count("<article", in: html) == F.input.findings.count)
        for f in F.input.findings { #expect(html.contains("id=\"finding-\(f.id)\"")) }
        // The finding without trade data still gets its (empty) chart, saying so.
        #expect(html.contains("No trade series in the warehouse for this finding"))
    }

    @Test func htmlListsFindingsInRankOrder() throws {
        let html = ReportWriter().html(F.input)
        let positions = try [1, 3, 2, 4, 5].map { id in
            try #require(html.range(of: "id=\"finding-\(id)\"")).lowerBound
        }
        #expect(positions == positions.sorted())
    }

    @Test func htmlIsUTF8WithChineseTextIntactAndNoMojibake() throws {
        let html = ReportWriter().html(F.input)
        #expect(html.contains("<meta charset=\"utf-8\""))
        #expect(html.contains(F.europiumName))
        #expect(!html.contains("\u{FFFD}"))
        // 氧化铕 read as Latin-1 / Windows-1252 (what a wrong charset shows): must not occur.
        let utf8 = Data(F.europiumName.utf8)
        for encoding: String.Encoding in [.isoLatin1, .windowsCP1252] {
            if let mojibake = String(data: utf8, encoding: encoding) { #expect(!html.contains(mojibake)) }
        }
        #expect(!html.contains("æ°§"))
        // The bytes written round-trip strictly as UTF-8.
        let bytes = Data(html.utf8)
        #expect(String(data: bytes, encoding: .utf8) == html)
        #expect(html.contains("Noto Sans CJK SC") && html.contains("Microsoft YaHei"))
    }

    @Test func htmlIsSelfContained() {
        let html = ReportWriter().html(F.input)
        let allowed = "xmlns=\"http://www.w3.org/2000/svg\""
        let stripped = html.replacingOccurrences(of: allowed, with: "")
        #expect(!stripped.lowercased().contains("http://"))
        #expect(!stripped.lowercased().contains("https://"))
        #expect(!stripped.contains("//fonts."))
        for forbidden in ["<script", "<link", "<img", "<iframe", "@import", "url(", "src="] {
            #expect(!html.lowercased().contains(forbidden), "found \(forbidden)")
        }
    }

    @Test func htmlEscapesDataInTextAndSVG() {
        var input = F.input
        var a = F.unitValue
        a.summary = "<script>alert(1)</script> & \"quoted\""
        a.reporter = "CHN"
        a.evidence = ["<b>key</b>": "<i>value</i>"]
        input.findings = [ReportFinding(id: 9, anomaly: a, charts: [
            ChartSeries(label: "A<B & \"C\"", points: [(period: "2024-01", value: 1.0), (period: "2024-02", value: nil)]),
        ])]
        input.sources = [SourceSummary(name: "x<y>", files: 1, rows: 1, rejected: 0, newestPeriod: nil, lastLoad: nil)]
        let html = ReportWriter().html(input)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(!html.contains("<b>key</b>") && !html.contains("<i>value</i>") && !html.contains("x<y>"))
        #expect(html.contains("A&lt;B &amp; &quot;C&quot;"))   // series label inside the SVG <title>
    }

    @Test func htmlHeaderShowsRunSourcesAndStaleWarnings() {
        let html = ReportWriter().html(F.input)
        for text in ["Run 42", "succeeded", "6,120", "rows rejected", "china-customs", "2024-12", "Stale sources",
                     "comtrade: newest period 2024-06, 120 days behind", "3m 12s", "2025.02-1"] {
            #expect(html.contains(text), "missing \(text)")
        }
        #expect(html.contains("@media print") && html.contains("page-break-inside:avoid"))
        #expect(html.contains("name=\"viewport\""))
    }

    @Test func htmlShowsEvidenceLabelledWithUnitsAndScoresWithTheirUnit() {
        let html = ReportWriter().html(F.input)
        #expect(html.contains("<th scope=\"row\">Leg 2, out of the conduit (t)</th><td>243 t</td>"))
        #expect(html.contains("<th scope=\"row\">Lag of leg 2 (months)</th><td>1 month</td>"))
        #expect(html.contains("<th scope=\"row\">New partner&#39;s share (%)</th><td>71 %</td>")
                || html.contains("<th scope=\"row\">New partner's share (%)</th><td>71 %</td>"))
        #expect(!html.contains("origin_to_via_t") && !html.contains("thresholds.min_share"))   // raw keys stay in the JSON
        #expect(html.contains("score 71 % share") && html.contains("score z 6.4") && html.contains("score 59 % gap"))
        #expect(html.contains("class=\"series baseline\""))
        #expect(html.contains("class=\"flag\""))
    }

    @Test(arguments: [
        (ReportFilter(detectors: ["mirror_gap"]), [4] as [Int64]),
        (ReportFilter(minSeverity: .high), [1, 3]),
        (ReportFilter(since: Period("2024-10")!), [5]),
    ])
    func filtersApplyToEveryFormat(filter: ReportFilter, expected: [Int64]) throws {
        let writer = ReportWriter(filter: filter)
        let html = writer.html(F.input)
        #expect(count("<svg", in: html) == expected.count)
        for f in F.input.findings {
            #expect(html.contains("id=\"finding-\(f.id)\"") == expected.contains(f.id))
        }
        #expect(html.contains("of \(F.input.findings.count)"))
        #expect(html.contains("Filter: "))

        let md = writer.markdown(F.input)
        #expect(count("\n### ", in: md) == expected.count)

        let json = try JSONSerialization.jsonObject(with: writer.json(F.input)) as! [String: Any]
        let ids = (json["findings"] as! [[String: Any]]).map { ($0["id"] as! NSNumber).int64Value }
        #expect(ids == expected)
        #expect(json["findings_total"] as? Int == F.input.findings.count)
    }

    @Test func emptyReportStillRenders() throws {
        var input = F.input
        input.findings = []
        input.sources = []
        let writer = ReportWriter()
        #expect(writer.html(input).contains("No findings in this run."))
        #expect(!writer.html(input).contains("<svg"))
        #expect(writer.markdown(input).contains("No findings in this run."))
        _ = try writer.json(input)
    }

    // MARK: Markdown

    @Test func markdownHasTableSparklinesAndEvidence() {
        let md = ReportWriter().markdown(F.input)
        #expect(md.hasPrefix("# TradeWatch report — run 42 (succeeded)"))
        #expect(md.contains("| # | severity | detector | route | HS | period | score |"))
        #expect(md.contains("| new_partner | CHN → TUR | 28469015 | 2024-03 – 2024-09 | 71 % share |"))
        #expect(md.contains("CHN → MYS → USA"))
        #expect(md.contains("█"))
        #expect(md.contains(F.europiumName))
        #expect(md.contains("**2024-06** ⚑"))
        #expect(md.contains("- New partner's share (%): 71 %"))
        #expect(md.contains("⚠ comtrade: newest period 2024-06, 120 days behind"))
        #expect(!md.contains("<possible"))                         // raw HTML from data is neutralized
    }

    @Test func sparklineScalesFromZeroAndMarksGaps() {
        // Level = round(v / max × 7): 0, 0.875, 1.75, 3.5, 7 → ▁ ▂ ▃ ▅ █.
        #expect(ReportWriter.sparkline([0, 1, 2, 4, 8, nil, 8]) == "▁▂▃▅█·█")
        #expect(ReportWriter.sparkline([0, 0]) == "▁▁")
        #expect(ReportWriter.sparkline([]) == "")
    }

    @Test func markdownEscapesPipesInCells() {
        var input = F.input
        input.sources = [SourceSummary(name: "a|b", files: 1, rows: 1, rejected: 0, newestPeriod: nil, lastLoad: nil)]
        #expect(ReportWriter().markdown(input).contains("| a\\|b |"))
    }

    // MARK: JSON

    @Test func jsonHasTheDocumentedShape() throws {
        let data = try ReportWriter().json(F.input)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schema_version"] as? Int == 2)
        let run = try #require(json["run"] as? [String: Any])
        #expect(run["id"] as? Int == 42)
        #expect(run["started_at"] as? String == "2025-02-03T04:00:00Z")
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["id"] as! Int } == [1, 3, 2, 4, 5])
        let conduit = findings[1]
        #expect(conduit["via"] as? String == "MYS")
        #expect(conduit["detector"] as? String == "transshipment_conduit")
        #expect(findings[0]["via"] is NSNull)
        #expect((findings[0]["summary"] as? String)?.contains(F.europiumName) == true)
        // NaN evidence is written as null rather than failing the report.
        let evidence = try #require(findings[4]["evidence"] as? [String: Any])
        #expect(evidence["nan_probe"] is NSNull)
        #expect(String(data: data, encoding: .utf8)!.contains(F.europiumName))
    }

    @Test func jsonRejectsANonFiniteScore() {
        var input = F.input
        input.findings[0].anomaly.score = .infinity
        #expect(throws: ReportWriteError.self) { try ReportWriter().json(input) }
    }

    // MARK: Files

    @Test func writeCreatesRunAndLatestFilesAtomically() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tradewatch-reports-\(UUID().uuidString)/nested")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let writer = ReportWriter()
        let urls = try writer.write(F.input, to: dir, runID: 42)
        #expect(urls.map(\.lastPathComponent) == ["run-42.html", "run-42.md", "run-42.json", "latest.html", "latest.md", "latest.json"])
        for ext in ["html", "md", "json"] {
            let run = try Data(contentsOf: dir.appendingPathComponent("run-42.\(ext)"))
            let latest = try Data(contentsOf: dir.appendingPathComponent("latest.\(ext)"))
            #expect(run == latest && !run.isEmpty)
        }
        #expect(try String(contentsOf: dir.appendingPathComponent("latest.html"), encoding: .utf8) == writer.html(F.input))

        // A later run replaces latest.* and keeps run-42.*; no temporary files are left behind.
        var next = F.input
        next.run.runID = 43
        next.findings = []
        _ = try writer.write(next, to: dir, runID: 43)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["latest.html", "latest.json", "latest.md", "run-42.html", "run-42.json", "run-42.md",
                          "run-43.html", "run-43.json", "run-43.md"])
        #expect(try String(contentsOf: dir.appendingPathComponent("latest.md"), encoding: .utf8).contains("run 43"))
    }

    /// Temporary files of writers killed before their rename are removed by the next write; a
    /// live writer's (this process's) and files that are not the writer's stay.
    @Test func writeRemovesTemporariesOfDeadWriters() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A pid past the kernel's pid_max (4194304 at most) belongs to no process.
        let dead = ".latest.html.9999999.\(UUID().uuidString).tmp"
        let live = ".run-7.md.\(getpid()).\(UUID().uuidString).tmp"
        let untaggedOld = ".latest.json.\(UUID().uuidString).tmp"
        let foreign = ".notes.9999999.x.tmp"
        for name in [dead, live, untaggedOld, foreign] {
            try Data("partial".utf8).write(to: dir.appendingPathComponent(name))
        }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)],
                                              ofItemAtPath: dir.appendingPathComponent(untaggedOld).path)
        _ = try ReportWriter().write(F.input, to: dir, runID: 8)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }.sorted()
        #expect(left == [foreign, live].sorted())
    }

    @Test func writeNamesThePathWhenItCannotWrite() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-not-a-dir-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: ReportWriteError.self) { try ReportWriter().write(F.input, to: file, runID: 1) }
        #expect(error?.path == file.path)
    }
}
