import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// The repository root, from this file's path (Tests/TradeAnalysisTests/Reports/…).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs an executable found on PATH; returns exit status and combined output.
func runTool(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

let chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite("Report against external tools")
struct ReportExternalTests {
    typealias F = ReportFixtures

    /// Validates the JSON report with Python's `jsonschema` against docs/report.schema.json, an
    /// implementation independent of ours. A missing python3 or jsonschema fails the test.
    @Test(arguments: [ReportFilter.all, ReportFilter(since: Period("2024")!, minSeverity: .medium, detectors: ["volume_spike"])])
    func jsonValidatesAgainstTheSchema(filter: ReportFilter) throws {
        let schema = repositoryRoot.appendingPathComponent("docs/report.schema.json")
        #expect(FileManager.default.fileExists(atPath: schema.path), "missing \(schema.path)")
        var variants = [F.input, F.casedInput]
        var empty = F.input
        (empty.findings, empty.sources, empty.run.finishedAt) = ([], [], nil)
        variants.append(empty)
        for (i, input) in variants.enumerated() {
            let report = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-report-\(UUID().uuidString)-\(i).json")
            try ReportWriter(filter: filter).json(input).write(to: report)
            defer { try? FileManager.default.removeItem(at: report) }
            let script = """
            import json, sys
            try:
                import jsonschema
            except ImportError as e:
                sys.exit("jsonschema is not installed (pip install jsonschema / apt-get install python3-jsonschema): %s" % e)
            schema = json.load(open(sys.argv[1], encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
            doc = json.load(open(sys.argv[2], encoding="utf-8"))
            errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
            for e in errors:
                print("/".join(map(str, e.path)) + ": " + e.message)
            sys.exit(1 if errors else 0)
            """
            let result = try runTool(["python3", "-c", script, schema.path, report.path])
            #expect(result.status == 0, "jsonschema validation failed (status \(result.status)):\n\(result.output)")
        }
    }

    /// The schema rejects what it should (guards against a schema that accepts anything).
    @Test func schemaRejectsAMalformedReport() throws {
        let schema = repositoryRoot.appendingPathComponent("docs/report.schema.json")
        var json = try #require(try JSONSerialization.jsonObject(with: ReportWriter().json(F.input)) as? [String: Any])
        var findings = json["findings"] as! [[String: Any]]
        findings[0]["severity"] = "critical"
        findings[0]["period_start"] = "2024-13"
        json["findings"] = findings
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-bad-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: json).write(to: report)
        defer { try? FileManager.default.removeItem(at: report) }
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
        n = len(list(jsonschema.Draft202012Validator(schema).iter_errors(doc)))
        print(n); sys.exit(0 if n == 2 else 1)
        """
        let result = try runTool(["python3", "-c", script, schema.path, report.path])
        #expect(result.status == 0, "expected exactly 2 schema errors: \(result.output)")
    }

    /// The schema holds cases and each finding's case to their documented shape.
    @Test func schemaRejectsAMalformedCase() throws {
        let schema = repositoryRoot.appendingPathComponent("docs/report.schema.json")
        var json = try #require(try JSONSerialization.jsonObject(with: ReportWriter().json(F.casedInput)) as? [String: Any])
        var cases = json["cases"] as! [[String: Any]]
        cases[0]["category"] = "politics"
        cases[1]["finding_ids"] = [Int]()
        json["cases"] = cases
        var findings = json["findings"] as! [[String: Any]]
        findings[0].removeValue(forKey: "case_id")
        json["findings"] = findings
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-bad-case-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: json).write(to: report)
        defer { try? FileManager.default.removeItem(at: report) }
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
        n = len(list(jsonschema.Draft202012Validator(schema).iter_errors(doc)))
        print(n); sys.exit(0 if n == 3 else 1)
        """
        let result = try runTool(["python3", "-c", script, schema.path, report.path])
        #expect(result.status == 0, "expected exactly 3 schema errors: \(result.output)")
    }

    /// Renders the fixture report with headless Chromium at desktop and phone widths and checks
    /// the screenshots exist at the requested size. Kept in $TMPDIR/tradewatch-report-render to look at.
    @Test(.enabled(if: chromiumPath != nil, "chromium is not installed (apt-get install -y chromium fonts-noto-cjk)"),
          .timeLimit(.minutes(3)))
    func rendersToPNGAtDesktopAndPhoneWidths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-report-render")
        let urls = try ReportWriter().write(F.input, to: dir, runID: F.input.run.runID)
        let html = try #require(urls.first { $0.lastPathComponent == "latest.html" })
        let script = repositoryRoot.appendingPathComponent("tools/render-report.sh").path
        for (width, height) in [(1200, 2400), (400, 3000)] {
            let png = dir.appendingPathComponent("latest-\(width).png")
            let result = try runTool(["sh", script, html.path, png.path, "\(width)", "\(height)"])
            #expect(result.status == 0, "render-report.sh failed: \(result.output)")
            let data = try Data(contentsOf: png)
            #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            // IHDR: width and height, big-endian, at bytes 16..<24.
            let be = { (o: Int) in data[o..<o + 4].reduce(0) { $0 << 8 | Int($1) } }
            #expect(be(16) == width && be(20) == height)
            #expect(data.count > 20_000, "screenshot suspiciously small (\(data.count) bytes): blank page?")
        }
    }
}
