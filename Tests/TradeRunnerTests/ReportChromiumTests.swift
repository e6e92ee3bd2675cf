import Foundation
import Testing
import TradeCore
import TradeRunner

/// The HTML report of a sample run (findings of all seven detectors) as Chromium renders it:
/// every finding has a chart with plotted points, every plotted sum equals what SQL on the
/// warehouse gives for the rows the chart names, and at 400 px no table is cut and no chart label
/// overlaps another. Without Chromium the test says so loudly and stops; under CI it fails.
@Suite(.serialized) struct ReportChromiumTests {
    static let browser = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { name -> String? in
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }.first

    /// Whether Chromium is missing: then the test stops, loudly, or under CI (`CI` set) fails.
    static func missingBrowser() -> Bool {
        guard browser == nil else { return false }
        let ci = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "0" && $0 != "false" } ?? false
        if ci {
            Issue.record("chromium is not installed, and CI is set: the report render test must run in CI (`make deps-chromium`)")
        } else {
            FileHandle.standardError.write(Data("""

                ************************************************************************
                * SKIPPED ReportChromiumTests: chromium not found on PATH.             *
                * Install it with `make deps-chromium` (apt-get install chromium).      *
                ************************************************************************

                """.utf8))
        }
        return true
    }

    @Test func everyFindingHasAChartOfWarehouseValues() throws {
        if Self.missingBrowser() { return }
        let ws = try Workspace.make()
        defer { ws.remove() }
        #expect(try ws.pipeline().run().status == .success)
        let dom = try Self.dumpDOM(ws.path("Warehouse/reports/latest.html"), width: 1280)
        let findings = try ws.rows("select id, detector, coalesce(json_extract(evidence, '$.declared_by'), ''), reporter, partner from anomalies")
        #expect(Set(findings.map(\.[1])).count == 7, "the sample should have findings of all seven detectors")
        for finding in findings {
            let id = finding[0], detector = finding[1]
            let svg = try #require(Self.element("svg", withAttribute: "data-finding", value: id, in: dom), "finding \(id): no chart")
            let points = Int(Self.attribute("data-points", in: svg.open) ?? "") ?? 0
            #expect(points >= 1, "finding \(id) (\(detector)): the chart plots no point")
            let groups = Self.seriesGroups(svg.body)
            let queried = groups.filter { $0["data-declarer"] != nil }
            #expect(!queried.isEmpty, "finding \(id) (\(detector)): no series read from the warehouse")
            for group in queried { try checkAgainstWarehouse(group, finding: id, ws: ws) }
            try checkDetectorSpecifics(detector, finding: finding, groups: groups, svg: svg)
        }
    }

    @Test func phoneLayoutCutsNoColumnAndOverlapsNoLabel() throws {
        if Self.missingBrowser() { return }
        let ws = try Workspace.make()
        defer { ws.remove() }
        #expect(try ws.pipeline().run().status == .success)
        let report = ws.path("Warehouse/reports/latest.html")
        // A copy with a probe that measures the laid-out page and writes the result into the DOM.
        let probed = ws.path("Warehouse/reports/probed.html")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        try html.replacingOccurrences(of: "</body>", with: "<script>\(Self.layoutProbe)</script></body>")
            .write(toFile: probed, atomically: true, encoding: .utf8)
        for width in [400, 1280] {
            let dom = try Self.dumpDOM(probed, width: width)
            let result = try #require(Self.attribute("data-layout", in: dom), "the layout probe did not run at \(width) px")
            let layout = try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any])
            #expect(layout["pageOverflow"] as? Bool == false, "\(width) px: the page scrolls sideways: \(result)")
            #expect((layout["cutTables"] as? [Any])?.isEmpty == true, "\(width) px: tables cut: \(result)")
            #expect((layout["overlaps"] as? [Any])?.isEmpty == true, "\(width) px: overlapping chart labels: \(result)")
            #expect((layout["clipped"] as? [Any])?.isEmpty == true, "\(width) px: chart labels cut at the chart's edge: \(result)")
            #expect((layout["charts"] as? Int ?? 0) > 0)
        }
        // Screenshots for a person to look at (tools/render-report.sh), one per width.
        for width in ["1280", "400"] {
            let png = ws.path("Warehouse/reports/latest-\(width).png")
            let result = try chromiumRun(["/bin/sh", packageRoot.appendingPathComponent("tools/render-report.sh").path, report, png, width, "3000"])
            #expect(result.status == 0, "render-report.sh at \(width): \(result.stderr)")
            let size = (try FileManager.default.attributesOfItem(atPath: png)[.size] as? NSNumber)?.intValue ?? 0
            #expect(size > 1000, "\(png): \(size) bytes")
        }
    }

    // MARK: Checks

    /// Each plotted value of a series equals the SQL sum of the rows its attributes name.
    func checkAgainstWarehouse(_ group: [String: String], finding id: String, ws: Workspace) throws {
        let measure = group["data-measure"] ?? ""
        let expected = try WarehouseSeries(group, ws: ws).values(measure: measure)
        for (period, plotted) in Self.decode(group["data-values"] ?? "") {
            let truth = expected[period]
            guard let plotted else {
                #expect(truth == nil || truth == 0 || measure == "usd-per-kg",
                        "finding \(id): \(period) plotted as a gap, but the warehouse has \(truth ?? 0) (\(group))")
                continue
            }
            let value = truth ?? 0
            #expect(abs(plotted - value) <= 1e-6 * max(1, abs(value)),
                    "finding \(id) \(group["data-declarer"] ?? "") \(measure) \(period): plotted \(plotted), warehouse \(value)")
        }
    }

    /// What each detector's chart must show beyond warehouse values.
    func checkDetectorSpecifics(_ detector: String, finding: [String], groups: [[String: String]],
                                svg: (open: String, body: String)) throws {
        let id = finding[0]
        let observed = groups.first { $0["data-role"] == "observed" }
        switch detector {
        case "volume_spike":
            #expect(observed?["data-declarer"] == finding[2], "finding \(id): the spike is about \(finding[2])'s declaration")
            #expect(groups.contains { $0["data-role"] == "baseline" }, "finding \(id): no baseline")
        case "unit_value_outlier":
            #expect(Self.attribute("data-unit", in: svg.open) == "USD/kg")
            #expect(groups.contains { $0["data-role"] == "band" && Self.decode($0["data-low"] ?? "").contains { $0.1 != nil } },
                    "finding \(id): no peers' band")
        case "mirror_gap", "source_conflict", "transshipment_conduit":
            #expect(groups.filter { $0["data-declarer"] != nil }.count == 2, "finding \(id): both sides must be drawn")
        case "control_diversion":
            #expect(svg.body.contains("class=\"marker\""), "finding \(id): the control date is not marked")
            #expect(groups.filter { $0["data-declarer"] != nil }.count == 2, "finding \(id): controlled lines and channel")
        case "new_partner":
            #expect(Self.attribute("data-unit", in: svg.open) == "%")
        default:
            break
        }
    }

    // MARK: Chromium and the DOM

    static func dumpDOM(_ path: String, width: Int) throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("tw-chromium-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let result = try chromiumRun([browser!, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                     "--user-data-dir=\(profile)", "--window-size=\(width),2000", "--dump-dom",
                                     "file://\(path)"])
        #expect(result.status == 0, "chromium failed: \(result.stderr)")
        return result.stdout
    }

    /// The first `<name …attribute="value"…>…</name>` element: its opening tag and its content.
    static func element(_ name: String, withAttribute attribute: String, value: String, in dom: String) -> (open: String, body: String)? {
        var search = dom.startIndex..<dom.endIndex
        while let start = dom.range(of: "<\(name) ", range: search) {
            guard let close = dom.range(of: ">", range: start.upperBound..<dom.endIndex) else { return nil }
            let open = String(dom[start.lowerBound..<close.upperBound])
            if Self.attribute(attribute, in: open) == value {
                let end = dom.range(of: "</\(name)>", range: close.upperBound..<dom.endIndex)?.lowerBound ?? dom.endIndex
                return (open, String(dom[close.upperBound..<end]))
            }
            search = close.upperBound..<dom.endIndex
        }
        return nil
    }

    /// An attribute of the first tag in `tag` that has it, entity-decoded.
    static func attribute(_ name: String, in tag: String) -> String? {
        guard let start = tag.range(of: " \(name)=\"") else { return nil }
        guard let end = tag.range(of: "\"", range: start.upperBound..<tag.endIndex) else { return nil }
        return String(tag[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The `data-*` attributes of each `<g class="series …">` in a chart.
    static func seriesGroups(_ svg: String) -> [[String: String]] {
        svg.components(separatedBy: "<g class=\"series ").dropFirst().map { chunk in
            let tag = " " + (chunk.split(separator: ">", maxSplits: 1).first.map(String.init) ?? "")
            var out: [String: String] = [:]
            for name in ["data-role", "data-values", "data-low", "data-high", "data-declarer", "data-flow", "data-source",
                         "data-measure", "data-frequency", "data-codes", "data-partner", "data-excluded-partner"] {
                out[name] = attribute(name, in: tag)
            }
            return out
        }
    }

    /// `2024-01=12.5;2024-02=` → [(2024-01, 12.5), (2024-02, nil)].
    static func decode(_ values: String) -> [(String, Double?)] {
        values.split(separator: ";").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? Double(parts[1]) : nil)
        }
    }

    /// Measures the laid-out page: a table wider than the viewport outside a horizontal scroller,
    /// a page that scrolls sideways, visible chart labels whose boxes intersect, and labels that
    /// reach past the chart's edge.
    static let layoutProbe = """
    (function(){
      document.querySelectorAll('details').forEach(function(d){ d.open = true; });   // measure folded cases too
      var vw = document.documentElement.clientWidth, cut = [], overlaps = [], clipped = [];
      document.querySelectorAll('table').forEach(function(t, i){
        var el = t.parentElement, scrolls = false;
        while (el && el !== document.body) { var o = getComputedStyle(el).overflowX; if (o === 'auto' || o === 'scroll') { scrolls = true; break; } el = el.parentElement; }
        if (!scrolls && t.getBoundingClientRect().right > vw + 1) cut.push(i);
      });
      var charts = document.querySelectorAll('svg.chart');
      charts.forEach(function(svg){
        var boxes = [], frame = svg.getBoundingClientRect();
        svg.querySelectorAll('text').forEach(function(t){
          if (getComputedStyle(t).display === 'none') return;
          var r = t.getBoundingClientRect(); if (r.width === 0) return;
          if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5)
            clipped.push(svg.getAttribute('data-finding') + ': ' + t.textContent);
          boxes.push({r: r, s: t.textContent});
        });
        for (var a = 0; a < boxes.length; a++) for (var b = a + 1; b < boxes.length; b++) {
          var p = boxes[a].r, q = boxes[b].r;
          if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5)
            overlaps.push(svg.getAttribute('data-finding') + ': ' + boxes[a].s + ' / ' + boxes[b].s);
        }
      });
      document.body.setAttribute('data-layout', JSON.stringify({pageOverflow: document.documentElement.scrollWidth > vw + 1,
        cutTables: cut, overlaps: overlaps, clipped: clipped, charts: charts.length}));
    })();
    """
}

/// A series recomputed from `trade` with SQL, from the attributes a chart gives it.
struct WarehouseSeries {
    let ws: Workspace
    let condition: String
    let totalCondition: String
    let annual: Bool
    let partner: String?

    init(_ group: [String: String], ws: Workspace) throws {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        let codes = (group["data-codes"] ?? "").split(separator: ",").map { entry -> String in
            let parts = entry.split(separator: ":")
            return "(hs_code LIKE \(quote(parts[0] + "%")) AND length(hs_code) = \(parts[1]))"
        }
        let base = "reporter = \(quote(group["data-declarer"]!)) AND flow = \(quote(group["data-flow"]!)) "
            + "AND source = \(quote(group["data-source"] ?? "")) AND (\(codes.joined(separator: " OR ")))"
        self.ws = ws
        self.annual = group["data-frequency"] == "A"
        self.partner = group["data-partner"]
        self.totalCondition = base
        if let partner = group["data-partner"] {
            condition = base + " AND partner = \(quote(partner))"
        } else if let excluded = group["data-excluded-partner"] {
            condition = base + " AND partner NOT IN ('WLD', \(quote(excluded)))"
        } else {
            condition = base
        }
    }

    /// Per row period: kg, usd, and usd and kg of the rows with a positive weight. An all-partner
    /// series takes a period's WLD rows when there are any, else its partners.
    func perRowPeriod(_ condition: String, allPartners: Bool) throws -> [String: [Double]] {
        let sums = "sum(quantity_kg), sum(value_usd), sum(CASE WHEN quantity_kg > 0 THEN value_usd END), sum(CASE WHEN quantity_kg > 0 THEN quantity_kg END)"
        var world: [String: [Double]] = [:], partners: [String: [Double]] = [:]
        for row in try ws.rows("SELECT period, (partner = 'WLD') AS world, \(sums) FROM trade WHERE \(condition) GROUP BY period, world") {
            let values = row[2...].map { Double($0) ?? 0 }
            if row[1] == "1" { world[row[0]] = values } else { partners[row[0]] = values }
        }
        guard allPartners else { return partners.merging(world) { a, b in zip(a, b).map { $0 + $1 } } }
        return partners.merging(world) { _, worldRows in worldRows }
    }

    /// Per point period: annual points from the year's annual rows, else its months.
    func perPoint(_ rowSums: [String: [Double]]) -> [String: [Double]] {
        guard annual else { return rowSums.filter { $0.key.count == 7 } }
        var years: [String: [Double]] = [:]
        for (period, values) in rowSums where period.count == 7 {
            years[String(period.prefix(4)), default: [0, 0, 0, 0]] = zip(years[String(period.prefix(4))] ?? [0, 0, 0, 0], values).map { $0 + $1 }
        }
        for (period, values) in rowSums where period.count == 4 { years[period] = values }
        return years
    }

    func values(measure: String) throws -> [String: Double] {
        let own = perPoint(try perRowPeriod(condition, allPartners: partner == nil && !condition.contains("NOT IN")))
        switch measure {
        case "tonnes": return own.mapValues { $0[0] / 1000 }
        case "usd": return own.mapValues { $0[1] }
        case "usd-per-kg": return own.compactMapValues { $0[3] > 0 ? $0[2] / $0[3] : nil }
        case "share":
            let total = perPoint(try perRowPeriod(totalCondition, allPartners: true))
            return total.compactMapValues { $0[0] > 0 ? $0[0] : nil }.reduce(into: [:]) { out, entry in
                out[entry.key] = 100 * (own[entry.key]?[0] ?? 0) / entry.value
            }
        case "tonnes-12m", "usd-12m":
            let column = measure == "usd-12m" ? 1 : 0, scale = measure == "usd-12m" ? 1.0 : 1000
            var out: [String: Double] = [:]
            for period in Set(own.keys).flatMap({ p in (0..<12).map { Period(p)!.adding(months: $0).description } }) {
                let month = Period(period)!
                out[period] = (0..<12).reduce(0) { $0 + (own[month.adding(months: -$1).description]?[column] ?? 0) } / scale
            }
            return out
        default:
            Issue.record("unknown measure \(measure)")
            return [:]
        }
    }
}

/// Runs a program to its end; its exit status, standard output and standard error.
func chromiumRun(_ arguments: [String]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("tw-out-\(UUID().uuidString)")
    let err = FileManager.default.temporaryDirectory.appendingPathComponent("tw-err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                         stderr: try String(contentsOf: err, encoding: .utf8))
}
