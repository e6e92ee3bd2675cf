import Foundation
import Testing
import TradeCore
import TradeRunner

/// `make run` on the committed sample: every file balances, the calibrated totals match the
/// published figures, a rerun changes nothing, and the report shows the europium case.
@Suite(.serialized) struct SampleRunTests {
    @Test func sampleLoadsBalancesAndReruns() throws {
        let ws = try Workspace.make()
        defer { ws.remove() }
        let first = try ws.pipeline().run()
        #expect(first.status == .success, "\(first.summary)")

        // Every file balances: data lines read = rows loaded + rows rejected. Lines are counted
        // here independently of the reader (the sample has no quoted newlines).
        let files = try ws.rows("select path, rows_loaded, rows_rejected from files where superseded = 0")
        #expect(files.count == 16)
        for file in files where file[0].hasSuffix(".csv") && !file[0].contains("usgs-mcs") {
            let data = try Data(contentsOf: URL(fileURLWithPath: file[0]))
            let lines = data.split(separator: UInt8(ascii: "\n")).filter { line in
                !line.allSatisfy { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\r") }
            }.count - 1
            let loaded = Int(file[1])!, rejected = Int(file[2])!
            #expect(lines == loaded + rejected, "\(file[0]): \(lines) lines vs \(loaded) + \(rejected)")
        }
        // Each file's SHA-256 (hashed on another core while a new file loads) is that of its bytes,
        // as coreutils' sha256sum computes it.
        for file in try ws.rows("select path, sha256 from files where superseded = 0") {
            let sha256sum = Process()
            sha256sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            sha256sum.arguments = [file[0]]
            let output = Pipe()
            sha256sum.standardOutput = output
            try sha256sum.run()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            sha256sum.waitUntilExit()
            #expect(printed.split(separator: " ").first.map(String.init) == file[1], "\(file[0])")
        }
        // The HS concordance reference table is queryable, one row per data line of the CSV.
        let concordance = try String(contentsOf: packageRoot.appendingPathComponent("Pipelines/reference/hs_concordance.csv"),
                                     encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.count - 1
        #expect(try ws.scalar("select count(*) from hs_concordance") == "\(concordance)")
        #expect(try ws.scalar("select count(*) from hs_concordance where from_code = '280530' and to_edition = 'H6'") == "1")
        let ledger = try ws.rows("select files_loaded, rows_loaded, rows_rejected, status from runs order by id")
        #expect(ledger.count == 1)
        #expect(ledger[0][3] == "succeeded")
        #expect(Int(ledger[0][2])! == Int(try ws.scalar("select count(*) from rejected_rows"))!)
        try checkRollupAnswersWithOneSource(ws)
        try checkCoverage(ws)

        // A second run finds every file unchanged and loads nothing: all counts stay.
        let before = try counts(ws)
        let second = try ws.pipeline().run()
        #expect(second.status == .success)
        #expect(second.summary.contains("(0 loaded, 16 unchanged, 0 failed)"), "\(second.summary)")
        #expect(try counts(ws) == before)
        #expect(try ws.scalar("select count(*) from runs") == "2")
    }

    func counts(_ ws: Workspace) throws -> [String] {
        try ["trade", "trade_history", "mineral_stats", "rejected_rows", "files", "anomalies", "commodities",
             "trade_rollup", "coverage"].map {
            try ws.scalar("select count(*) from \($0)")
        }
    }

    /// China's yearly chapter-28 exports from `trade_rollup` are the published totals: China's
    /// Comtrade declaration of 2020–2021 (also in `Raw/`) is not added on top of its customs
    /// figures, and no question has two answers.
    func checkRollupAnswersWithOneSource(_ ws: Workspace) throws {
        let yearly = try ws.rows("""
            select period, sum(quantity_kg) / 1000.0, min(months), max(months), group_concat(distinct source)
            from trade_rollup
            where reporter = 'CHN' and flow = 'export' and partner <> 'WLD' and frequency = 'A'
              and hs_level = 4 and hs_code in ('2805', '2846')
            group by period order by period
            """)
        let customs = try ws.rows("""
            select substr(period, 1, 4), sum(quantity_kg) / 1000.0 from trade
            where source = 'china-customs' and reporter = 'CHN' and flow = 'export' and partner <> 'WLD'
              and (hs_code like '2805%' or hs_code like '2846%')
            group by 1 order by 1
            """)
        #expect(yearly.map(\.[0]) == customs.map(\.[0]))
        for (rollup, own) in zip(yearly, customs) {
            #expect(abs(Double(rollup[1])! - Double(own[1])!) < 0.001, "\(rollup[0]): \(rollup[1]) t vs customs \(own[1]) t")
            #expect(rollup[2] == "12" && rollup[3] == "12" && rollup[4] == "china-customs", "\(rollup)")
        }
        let published = try String(contentsOf: packageRoot.appendingPathComponent(
            "Pipelines/reference/china_ree_exports_published.csv"), encoding: .utf8)
        var years = 0
        for line in published.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 2, fields[2] == "year", let tonnes = Double(fields[1]) else { continue }
            let row = try #require(yearly.first { $0[0] == fields[0] }, "no rollup figure for \(fields[0])")
            #expect(abs(Double(row[1])! - tonnes) <= 0.5, "\(fields[0]): rollup \(row[1]) t vs published \(tonnes) t")
            years += 1
        }
        #expect(years >= 4)
        #expect(try ws.scalar("""
            select count(*) from (select 1 from trade_rollup
                                  group by period, frequency, reporter, partner, flow, hs_code having count(*) > 1)
            """) == "0")
        // The one CHN figure Comtrade alone has (exports to the world) still answers.
        #expect(try ws.scalar("""
            select source || ' ' || months || ' ' || sources from trade_rollup
            where reporter = 'CHN' and partner = 'WLD' and period = '2020' and hs_code = '2846' and flow = 'export'
            """) == "comtrade 12 1")
    }

    /// `coverage` of the sample: China customs monthly 8-digit lines from January 2019 to
    /// December 2025 (84 months), China's Comtrade declaration annual for 2020 and 2021 at 4 digits
    /// (2846) and 6 digits (280530), and the partners' monthly 6-digit Comtrade declarations.
    func checkCoverage(_ ws: Workspace) throws {
        #expect(try ws.rows("select source, frequency, hs_level, first_period, last_period, periods from coverage where reporter = 'CHN' order by 1, 2, 3")
                == [["china-customs", "M", "8", "2019-01", "2025-12", "84"],
                    ["comtrade", "A", "4", "2020", "2021", "2"],
                    ["comtrade", "A", "6", "2020", "2021", "2"]])
        let partners = try ws.rows("""
            select reporter, min(first_period), max(last_period), count(*) from coverage
            where source = 'comtrade' and frequency = 'M' group by reporter order by reporter
            """)
        let expected = try ws.rows("""
            select reporter, min(period), max(period), 1 from trade
            where source = 'comtrade' and frequency = 'M' group by reporter order by reporter
            """)
        #expect(partners == expected)
        #expect(partners.count == 10)
    }

    /// The China customs sample is calibrated to China's published rare-earth export totals
    /// (chapter 28 lines, not magnets): every published month and year must match within 0.5 t.
    @Test func sampleMatchesPublishedTotals() throws {
        let ws = try Workspace.make(rawFolders: ["china-customs"])
        defer { ws.remove() }
        _ = try ws.pipeline().load()
        let published = try String(contentsOf: packageRoot.appendingPathComponent(
            "Pipelines/reference/china_ree_exports_published.csv"), encoding: .utf8)
        var checked = 0
        for line in published.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let periods = fields[0].split(separator: "/").map(String.init)
            guard let tonnes = Double(fields[1]) else { continue }
            let list = periods.map { "'\($0)'" }.joined(separator: ",")
            let condition = periods[0].count == 4 ? "substr(period, 1, 4) in (\(list))" : "period in (\(list))"
            let sample = Double(try ws.scalar("""
                select coalesce(sum(quantity_kg), 0) / 1000.0 from trade
                where reporter = 'CHN' and flow = 'export' and partner <> 'WLD'
                  and (hs_code like '2805%' or hs_code like '2846%') and \(condition)
                """))!
            #expect(abs(sample - tonnes) <= 0.5, "\(fields[0]): sample \(sample) t vs published \(tonnes) t")
            checked += 1
        }
        #expect(checked >= 29)
    }

    /// The report of a sample run opens offline and leads with findings that have charts,
    /// among them the europium-oxide buyers of 2024.
    @Test func reportShowsEuropiumCase() throws {
        let ws = try Workspace.make()
        defer { ws.remove() }
        let result = try ws.pipeline().run()
        let europium = try ws.rows("""
            select partner, case_id from anomalies
            where detector = 'new_partner' and hs_code = '28469014' and period_start like '2024%'
            order by partner
            """)
        #expect(europium.map(\.[0]) == ["SGP", "TUR"])
        // Both 2024 buyers of europium oxide are one case, among the first five by what is at stake …
        #expect(Set(europium.map(\.[1])).count == 1)
        let rank = try #require(Int(try ws.scalar("select rank from cases where id = \(europium[0][1])")))
        #expect(rank <= 5, "\(result.details ?? "")")
        // Every finding names the source and raw files each declaration it rests on came from.
        let uncited = try ws.scalar("""
            select count(*) from anomalies
            where (detector = 'mirror_gap' and (coalesce(json_array_length(evidence, '$.exporter_files'), 0) = 0
                                                or coalesce(json_array_length(evidence, '$.importer_files'), 0) = 0))
               or (detector in ('volume_spike', 'new_partner', 'unit_value_outlier', 'control_diversion')
                   and (json_extract(evidence, '$.source') is null or coalesce(json_array_length(evidence, '$.files'), 0) = 0))
            """)
        #expect(uncited == "0")
        // … and `make run`'s one-screen summary shows that case with the europium-oxide buyer under it.
        let lines = try #require(result.details).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("  #\(rank) ") })
        let folded = lines[start...].dropFirst().prefix { $0.hasPrefix("      ") }
        #expect(([lines[start]] + folded).contains { $0.contains("28469014") && $0.contains("TUR") }, "\(result.details ?? "")")
        let html = try String(contentsOfFile: ws.path("Warehouse/reports/latest.html"), encoding: .utf8)
        #expect(html.contains("28469014"))
        #expect(html.contains("TUR") && html.contains("SGP"))
        let findings = Int(try ws.scalar("select count(*) from anomalies"))!
        #expect(html.components(separatedBy: "<svg").count - 1 >= findings)
        #expect(!html.contains("\u{FFFD}"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
            ws.path("Warehouse/reports/latest.json")))) as? [String: Any]
        #expect((json?["findings"] as? [Any])?.count == findings)
        // The JSON report leads with the cases in rank order, the europium case naming both buyers' findings.
        let cases = try #require(json?["cases"] as? [[String: Any]])
        #expect(cases.count == Int(try ws.scalar("select count(*) from cases"))!)
        #expect(cases.map { $0["rank"] as? Int } == (1...cases.count).map { $0 })
        let europiumIDs = try ws.rows("""
            select id from anomalies where detector = 'new_partner' and hs_code = '28469014' and period_start like '2024%'
            """).map { Int($0[0])! }
        let europiumCase = try #require(cases.first { $0["id"] as? Int == Int(europium[0][1]) })
        #expect(Set(europiumIDs).isSubset(of: Set(europiumCase["finding_ids"] as? [Int] ?? [])))
        #expect(html.contains("id=\"case-\(europium[0][1])\""))
        let md = try String(contentsOfFile: ws.path("Warehouse/reports/latest.md"), encoding: .utf8)
        let casesAt = try #require(md.range(of: "\n## Cases\n")).lowerBound
        #expect(md.range(of: "\n### Case \(rank) ")!.lowerBound > casesAt)
    }
}
