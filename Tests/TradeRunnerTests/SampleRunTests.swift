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
        // The HS concordance reference table is queryable, one row per data line of the CSV.
        let concordance = try String(contentsOf: packageRoot.appendingPathComponent("Pipelines/reference/hs_concordance.csv"),
                                     encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.count - 1
        #expect(try ws.scalar("select count(*) from hs_concordance") == "\(concordance)")
        #expect(try ws.scalar("select count(*) from hs_concordance where from_code = '280530' and to_edition = 'H6'") == "1")
        let ledger = try ws.rows("select files_loaded, rows_loaded, rows_rejected, status from runs order by id")
        #expect(ledger.count == 1)
        #expect(ledger[0][3] == "succeeded")
        #expect(Int(ledger[0][2])! == Int(try ws.scalar("select count(*) from rejected_rows"))!)

        // A second run finds every file unchanged and loads nothing: all counts stay.
        let before = try counts(ws)
        let second = try ws.pipeline().run()
        #expect(second.status == .success)
        #expect(second.summary.contains("(0 loaded, 16 unchanged, 0 failed)"), "\(second.summary)")
        #expect(try counts(ws) == before)
        #expect(try ws.scalar("select count(*) from runs") == "2")
    }

    func counts(_ ws: Workspace) throws -> [String] {
        try ["trade", "trade_history", "mineral_stats", "rejected_rows", "files", "anomalies", "commodities"].map {
            try ws.scalar("select count(*) from \($0)")
        }
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
