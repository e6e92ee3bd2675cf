import Foundation
import Testing
import TradeAnalysis
import TradeConfig
import TradeCore
import TradeIngest
import TradeRunner
import TradeWarehouse

/// Mistakes fail loudly and say clearly what is wrong; the commands fit scripts (issue 14).
@Suite(.serialized) struct CommandLineContractTests {
    /// The sample, run once; its own (CommandLineTests' runs replace their reports and take their lock).
    static let loaded: Workspace = {
        let ws = try! Workspace.make()
        _ = try! ws.pipeline().run()
        return ws
    }()

    @Test(arguments: [["detect"], ["report"], ["status"], ["query", "select 1"]])
    func aMissingWarehouseIsAUsageErrorAndIsNotCreated(arguments: [String]) throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { ws.remove() }
        let result = try tradewatch(arguments + ["--warehouse", "Nowhere/w.sqlite"], in: ws.root)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("no warehouse at \(ws.root.standardizedFileURL.path)/Nowhere/w.sqlite"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("Nowhere")))
    }

    @Test func anUnknownDetectorIsAUsageErrorListingTheValidNames() throws {
        let result = try tradewatch(["report", "--detector", "mirror-gap", "--warehouse", Self.loaded.warehousePath],
                                    in: Self.loaded.root)
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown detector \"mirror-gap\""))
        #expect(DetectorSuite.all.count == 7)
        for detector in DetectorSuite.all { #expect(result.stderr.contains(detector.name), "\(detector.name)") }
    }

    @Test(arguments: [["run"], ["load"], ["load", "--dry-run"], ["init"], ["detect"], ["report"], ["status"]])
    func aMissingPipelinesDirectoryIsAnError(arguments: [String]) throws {
        let ws = Self.loaded
        var options = arguments + ["--pipelines", "Pipelinez", "--warehouse", ws.warehousePath]
        if ["run", "report"].contains(arguments[0]) { options += ["--reports", ws.path("R-missing")] }
        let result = try tradewatch(options, in: ws.root)
        #expect(result.status == 2, "\(arguments): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("no pipelines directory at \(ws.root.standardizedFileURL.path)/Pipelinez"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("R-missing")))
    }

    /// A file two definitions find is read by neither: a located error naming both, exit 1.
    @Test func aFileMatchedByTwoDefinitionsIsALocatedError() throws {
        let ws = try Workspace.make(rawFolders: ["comtrade"])
        defer { ws.remove() }
        try ws.write("Pipelines/comtrade-partners.yaml", "format: comtrade-csv\nfiles:\n  - comtrade/partners-*.csv\n")
        let result = try tradewatch(["load", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(result.status == 1)
        let line = try #require(result.stderr.split(separator: "\n").first { $0.contains("matched by 2 source definitions") })
        #expect(line.contains("Raw/comtrade/partners-2019-2025-monthly.csv:1: error: matched by 2"), "\(line)")
        #expect(line.contains("comtrade (Pipelines/comtrade.yaml:") && line.contains("comtrade-partners (Pipelines/comtrade-partners.yaml:2:1)"), "\(line)")
        #expect(try ws.scalar("select count(*) from files where path like '%partners-2019%'") == "0")
        #expect(try ws.scalar("select count(*) from files where path like '%us-china%'") == "1")
    }

    /// Notes and editor backups are ignored by default, a definition's `ignore:` covers more, and a
    /// file nothing reads is a warning listed by `status`, not a failed run.
    @Test func strayFilesAreIgnoredOrWarnedNotFailed() throws {
        let ws = try Workspace.make(rawFolders: ["comtrade"])
        defer { ws.remove() }
        for stray in ["README.txt", "partners-2019-2025-monthly.csv~", "notes.md", "#draft#", "old.bak"] {
            try ws.write("Raw/comtrade/\(stray)", "not data\n")
        }
        try ws.write("Raw/comtrade/extract.dat", "1,2,3\n")
        let run = try tradewatch(["load", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("Raw/comtrade/extract.dat:1: warning: matches no source definition"), "\(run.stderr)")
        #expect(!run.stderr.contains("README") && !run.stderr.contains("csv~") && !run.stderr.contains("old.bak"))

        let status = try tradewatch(["status", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(status.status == 0)
        #expect(status.stdout.contains("Files no definition reads") && status.stdout.contains("  Raw/comtrade/extract.dat\n"))
        let json = try tradewatch(["status", "--json", "--warehouse", ws.warehousePath], in: ws.root)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["unclaimed_files"] as? [String] == ["Raw/comtrade/extract.dat"])
        #expect((object["attention"] as? [String])?.contains("unclaimed") == true)
        #expect(try tradewatch(["status", "--fail-on", "unclaimed", "--warehouse", ws.warehousePath], in: ws.root).status == 4)

        // The definition says the extract is not data: no warning, nothing to attend to.
        let definition = try String(contentsOf: URL(fileURLWithPath: ws.path("Pipelines/comtrade.yaml")), encoding: .utf8)
        try ws.write("Pipelines/comtrade.yaml", definition + "ignore: \"*.dat\"\n")
        let again = try tradewatch(["load", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(again.status == 0 && !again.stderr.contains("extract.dat"), "\(again.stderr)")
        #expect(try tradewatch(["status", "--fail-on", "unclaimed", "--warehouse", ws.warehousePath], in: ws.root).status == 0)
    }

    /// `status --fail-on stale` exits 4 exactly when a source is older than its limit; `--json`
    /// carries the same verdict.
    @Test func statusFailsOnStaleWhenAsked() throws {
        let ws = try Workspace.make(rawFolders: ["comtrade"])
        defer { ws.remove() }
        #expect(try ws.pipeline().load().status == .success)
        let newest = try #require(Period(try ws.scalar("select max(period) from trade where source = 'comtrade'")))
        let month = try #require(newest.month)
        var start = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
                                   year: newest.year, month: month, day: 1)
        let monthStart = try #require(start.date)
        start.month = month + 1
        let monthEnd = try #require(start.date)
        let inspector = Inspector(warehousePath: ws.warehousePath, pipelinesDirectory: ws.path("Pipelines"), rawDirectory: ws.path("Raw"))
        let fresh = try inspector.status(now: monthEnd.addingTimeInterval(86_400))
        #expect(!fresh.attention.contains(.stale), "\(fresh.text)")
        #expect(fresh.exitStatus(failOn: [.stale]) == .success)
        let late = try inspector.status(now: monthStart.addingTimeInterval(400 * 86_400))
        #expect(late.attention.contains(.stale))
        #expect(late.exitStatus(failOn: [.stale]) == .findings)
        #expect(late.exitStatus(failOn: [.failed]) == .success)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(late.json.utf8)) as? [String: Any])
        let comtrade = (json["sources"] as? [[String: Any]])?.first { $0["source"] as? String == "comtrade" }
        #expect(comtrade?["stale"] as? Bool == true)
        #expect(json["healthy"] as? Bool == false)
        // Through the binary: the last run succeeded, so `--fail-on failed` passes.
        #expect(try tradewatch(["status", "--fail-on", "failed", "--warehouse", ws.warehousePath], in: ws.root).status == 0)
        #expect(try tradewatch(["status", "--fail-on", "soon", "--warehouse", ws.warehousePath], in: ws.root).status == 2)
    }

    /// A filtered report goes to stdout (or --output), says its filter, and leaves the run's files alone.
    @Test func aFilteredReportNeverReplacesTheRunsFiles() throws {
        let ws = Self.loaded
        let reports = ws.path("Warehouse/reports")
        let names = try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasPrefix("run-") || $0.hasPrefix("latest.") }
        #expect(!names.isEmpty)
        var before: [String: Data] = [:]
        for name in names { before[name] = try Data(contentsOf: URL(fileURLWithPath: reports + "/" + name)) }
        let shown = try tradewatch(["report", "--min-severity", "high", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.hasPrefix("# TradeWatch report"))
        #expect(shown.stdout.contains("Filter: severity ≥ high"))
        let file = ws.path("high.json")
        let written = try tradewatch(["report", "--detector", "volume_spike", "--output", file, "--warehouse", ws.warehousePath], in: ws.root)
        #expect(written.status == 0, "\(written.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(json["filter"] != nil)
        let refused = try tradewatch(["report", "--since", "2024", "--output", reports + "/latest.html", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(refused.status == 2)
        for name in names { #expect(try Data(contentsOf: URL(fileURLWithPath: reports + "/" + name)) == before[name], "\(name) changed") }
    }

    @Test func messagesSayWhatIsWrong() throws {
        let ws = Self.loaded
        let typo = try tradewatch(["query", "--warehouse", ws.warehousePath, "selec * from trade"], in: ws.root)
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("syntax error") && !typo.stderr.contains("refused"), "\(typo.stderr)")
        let broken = try tradewatch(["query", "--warehouse", ws.warehousePath, "select * from trade where"], in: ws.root)
        #expect(broken.stderr.contains("SQL syntax error"), "\(broken.stderr)")
        // A report that cannot be written: the reason in words, with the absolute path.
        let unwritable = try tradewatch(["report", "--since", "2024", "--output", "no/such/dir/r.md", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains(ws.root.standardizedFileURL.path + "/no/such/dir/r.md"), "\(unwritable.stderr)")
        #expect(!unwritable.stderr.contains("NSCocoaErrorDomain") && !unwritable.stderr.contains("could not be completed"), "\(unwritable.stderr)")
        #expect(ErrorText.reason(CocoaError(.fileReadNoSuchFile)) == "no such file or directory")
        #expect(ErrorText.reason(CocoaError(.fileWriteNoPermission)) == "permission denied")
        // The lock message says how to queue instead.
        let lock = try Warehouse.acquireRunLock(warehousePath: ws.warehousePath, wait: false)
        let blocked = try tradewatch(["detect", "--warehouse", ws.warehousePath], in: ws.root)
        lock.release()
        #expect(blocked.status == 3)
        #expect(blocked.stderr.contains("--wait"), "\(blocked.stderr)")
    }

    @Test func versionAndCompletion() throws {
        let root = Self.loaded.root
        let version = try tradewatch(["--version"], in: root)
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("tradewatch \(TradeWatchVersion.string) (detectors \(DetectorSuite.version))"))
        for (shell, marker) in [("bash", "#!/bin/bash"), ("zsh", "#compdef tradewatch"), ("fish", "complete -c 'tradewatch'")] {
            let script = try tradewatch(["completion", shell], in: root)
            #expect(script.status == 0)
            #expect(script.stdout.contains(marker), "\(shell)")
            #expect(script.stdout.contains("list-saved"), "\(shell) completes query's options")
        }
        #expect(try tradewatch(["completion", "powershell"], in: root).status == 2)
    }

    @Test func queryParametersFormatsAndSavedQueries() throws {
        let ws = Self.loaded
        let w = ws.warehousePath
        let literal = try ws.scalar("select count(*) from trade where hs_code = '28469014'")
        #expect(Int(literal)! > 0)
        let bound = try tradewatch(["query", "--csv", "--warehouse", w, "-p", "code", "28469014",
                                    "select count(*) as n from trade where hs_code = :code"], in: ws.root)
        #expect(bound.stdout == "n\n\(literal)\n", "\(bound.stderr)")
        let missing = try tradewatch(["query", "--warehouse", w, "select * from trade where hs_code = :code"], in: ws.root)
        #expect(missing.status == 1 && missing.stderr.contains(":code"), "\(missing.stderr)")
        let unused = try tradewatch(["query", "--warehouse", w, "select 1", "-p", "code", "1"], in: ws.root)
        #expect(unused.status == 1 && unused.stderr.contains("no parameter :code"), "\(unused.stderr)")

        let tsv = try tradewatch(["query", "--tsv", "--warehouse", w, "select 'a' || char(9) || 'b' as x, 2 as y"], in: ws.root)
        #expect(tsv.stdout == "x\ty\na\\tb\t2\n")
        let markdown = try tradewatch(["query", "--markdown", "--warehouse", w, "select 'a|b' as x"], in: ws.root)
        #expect(markdown.stdout == "| x |\n| --- |\n| a\\|b |\n")

        // Evidence comes out as JSON objects, not strings of JSON.
        let evidence = try tradewatch(["query", "--json", "--warehouse", w, "select evidence, 'not {json' as t from anomalies limit 1"], in: ws.root)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(evidence.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["evidence"] is [String: Any], "\(evidence.stdout.prefix(300))")
        #expect(rows.first?["t"] as? String == "not {json")

        let listed = try tradewatch(["query", "--list-saved", "--warehouse", w], in: ws.root)
        #expect(listed.stdout.contains("europium-oxide-by-partner-month  Europium oxide (China line 28469014) exports by partner and month, in tonnes."), "\(listed.stdout)")
        let saved = try tradewatch(["query", "--saved", "europium-oxide-by-partner-month", "--csv", "--warehouse", w], in: ws.root)
        let file = try tradewatch(["query", "--file", "Warehouse/queries/europium-oxide-by-partner-month.sql", "--csv", "--warehouse", w], in: ws.root)
        #expect(saved.status == 0 && saved.stdout == file.stdout && saved.stdout.hasPrefix("period,partner,tonnes"))
        let unknown = try tradewatch(["query", "--saved", "nope", "--warehouse", w], in: ws.root)
        #expect(unknown.status == 2 && unknown.stderr.contains("europium-oxide-by-partner-month"))
    }

    /// Misspelt `constants:` and `options:` keys are located at the key; the shipped definitions pass.
    @Test func unknownConstantAndOptionKeysAreLocated() throws {
        #expect(try SourceDefinitions.load(directory: packageRoot.appendingPathComponent("Pipelines").path).count >= 9)
        func parseSource(yaml: String, display: String) throws -> SourceDefinition {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("definition-\(UUID().uuidString).yaml")
            try Data(yaml.utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            return try DefinitionLoader.loadSource(file: url, display: display, vocabulary: SourceDefinitions.vocabulary)
        }
        let yaml = "format: china-customs-csv\nfiles: a/*.csv\nconstants:\n  reporter: CHN\n  flwo: export\n"
        #expect {
            _ = try parseSource(yaml: yaml, display: "P/x.yaml")
        } throws: { "\($0)".hasPrefix("P/x.yaml:5:3: error: unknown constant \"flwo\"") }
        let options = "format: sdmx\noptions:\n  kind: trade\n  time_dimension: TIME\nfiles: a/*.xml\n"
        #expect {
            _ = try parseSource(yaml: options, display: "P/s.yaml")
        } throws: { "\($0)".hasPrefix("P/s.yaml:4:3: error: unknown option \"time_dimension\" for format sdmx") }
    }

    /// Every detectors.yaml mistake points at its own line and column: an unknown detector at its
    /// name, an unknown key at the key, a refused number at the number — the first in the file.
    @Test func detectorsYAMLErrorsAreLocatedWhereTheyAre() throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { ws.remove() }
        let cases: [(String, String)] = [
            ("volume_spike:\n  baseline_years: 5\n  bogus_key: 3\nnew_thing:\n  x: 1\n", "detectors.yaml:3:3: error: unknown"),
            ("volume_spike:\n  baseline_years: 5\nnew_thing:\n  x: 1\n", "detectors.yaml:3:1: error: unknown detector"),
            ("new_partner:\n  baseline_years: 5\nvolume_spike:\n  z_threshold: -2\n", "detectors.yaml:4:16: error: invalid value"),
        ]
        for (text, expected) in cases {
            try ws.write("Pipelines/detectors.yaml", text)
            let result = try tradewatch(["detect", "--warehouse", ws.warehousePath], in: ws.root)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("Pipelines/" + expected), "\(result.stderr)")
        }
    }
}
